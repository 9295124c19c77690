"""Sign-in through the throttle (accounts/throttle.py), for the token endpoint and the web form.

The attempt is counted and committed in the request's own session before the password is
checked: nothing waits for a second connection, and a 401 cannot roll the count back. A browser
that signs in gets a known-device cookie, which lets it past the account-wide lock later.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response
from sqlalchemy.orm import Session

from accounts import throttle
from accounts.models import User
from accounts.service import authenticate, get_user_by_email
from api.web_session import DEVICE_COOKIE, set_device_cookie
from core.errors import QuotaExceeded, ServiceError
from core.settings import Settings, comma_list


def _unit(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def in_words(seconds: int) -> str:
    """`1 second`, `45 seconds`, `2 minutes 30 seconds`, `15 minutes`, `2 hours 5 minutes`:
    seconds only under ten minutes, beyond that whole minutes rounded up."""
    seconds = max(1, seconds)
    if seconds < 600:
        minutes, rest = divmod(seconds, 60)
        parts = [_unit(minutes, "minute")] if minutes else []
        return " ".join([*parts, _unit(rest, "second")] if rest else parts)
    hours, minutes = divmod(-(-seconds // 60), 60)
    parts = [_unit(hours, "hour")] if hours else []
    return " ".join([*parts, _unit(minutes, "minute")] if minutes else parts)


class TooManySignIns(QuotaExceeded):
    """Too many sign-in attempts for this account or address; it is locked for now."""

    code = "too_many_sign_ins"

    def __init__(self, lock: throttle.Locked) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {in_words(lock.retry_after_s)}",
            retry_after_s=lock.retry_after_s,
        )
        self.retry_after_s = lock.retry_after_s


class PasswordSignInOff(ServiceError):
    """PASSWORD_SIGN_IN is false and this email is not a break-glass account."""

    status = 403
    code = "password_sign_in_off"
    message = "password sign-in is switched off here; sign in through single sign-on"


def client_address(request: Request) -> str:
    """The client's address (api/client_address.py resolves trusted proxies)."""
    return request.client.host if request.client else "unknown"


def _device_mark(user: User, settings: Settings) -> str:
    """Ties the cookie to the account and its password: a new password forgets every device."""
    message = f"device:{user.id}:{user.password_hash}".encode()
    digest = hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()
    return f"{user.id}.{digest[:40]}"


def _known_device(request: Request, user: User | None, settings: Settings) -> bool:
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    return user is not None and hmac.compare_digest(cookie, _device_mark(user, settings))


def remember_device(response: Response, user: User, settings: Settings) -> None:
    """Mark this browser as one that signed in to the user's account."""
    set_device_cookie(response, _device_mark(user, settings), settings)


def sign_in(request: Request, session: Session, *, email: str, password: str) -> User | None:
    """The user for these credentials, else None; raises TooManySignIns while locked (and for
    the wrong password that used up the allowance), PasswordSignInOff when passwords are off."""
    settings: Settings = request.app.state.settings
    if not settings.password_sign_in and email.strip().lower() not in comma_list(
        settings.break_glass_emails
    ):
        raise PasswordSignInOff()
    address = client_address(request)
    known = _known_device(request, get_user_by_email(session, email), settings)
    outcome = throttle.admit(
        session, email=email, address=address, known_device=known, settings=settings
    )
    session.commit()  # the count stands whatever the answer, and its row locks are released
    if isinstance(outcome, throttle.Locked):
        raise TooManySignIns(outcome)
    user = authenticate(session, email=email, password=password)
    if user is None:
        if outcome.lock is not None:
            raise TooManySignIns(outcome.lock)
        return None
    throttle.forgive(session, email=email, address=address)
    return user
