"""Sign-in through the throttle (accounts/throttle.py), for the token endpoint and the web form."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from accounts import throttle
from accounts.models import User
from accounts.service import authenticate
from core.db import transaction
from core.errors import ServiceError


class TooManySignIns(ServiceError):
    """The account or the client address failed to sign in too often; it is locked for now."""

    status = 429
    code = "too_many_sign_ins"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after_s} s",
            headers={"Retry-After": str(retry_after_s)},
        )
        self.retry_after_s = retry_after_s


def client_address(request: Request) -> str:
    """The peer address (uvicorn --proxy-headers makes it the client's behind a proxy)."""
    return request.client.host if request.client else "unknown"


def sign_in(request: Request, session: Session, *, email: str, password: str) -> User | None:
    """The user for these credentials, else None; raises TooManySignIns while locked.

    Failures are written in their own transaction: the request's rolls back on a 401.
    """
    address = client_address(request)
    locked = throttle.check(session, email=email, address=address)
    if locked:
        raise TooManySignIns(locked.retry_after_s)
    user = authenticate(session, email=email, password=password)
    with transaction(request.app.state.sessionmaker) as own:
        if user is None:
            throttle.record_failure(
                own, email=email, address=address, settings=request.app.state.settings
            )
        else:
            throttle.record_success(own, email=email)
    return user
