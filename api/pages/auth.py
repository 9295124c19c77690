"""Sign in and sign out with the session cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from accounts.models import TokenKind
from accounts.security import verify_password
from accounts.service import get_user_by_email, issue_token, revoke_token
from api.deps import SessionDep, SettingsDep
from api.pages.common import AnonCsrfChecked, CsrfChecked, PageRoute, redirect, render
from api.sign_in_guard import PasswordSignInOff, TooManySignIns, in_words, remember_device
from api.sign_in_guard import sign_in as guarded_sign_in
from api.web_session import SESSION_COOKIE, clear_session_cookie, set_session_cookie
from core.settings import Settings

router = APIRouter(include_in_schema=False, route_class=PageRoute)

WRONG_CREDENTIALS = "Wrong email or password. Check both and try again."
LOCKED = "Too many failed sign-ins. Try again in {0}, or ask an admin."
DEACTIVATED = "This account has been deactivated. Ask an admin to reactivate it."
PASSWORD_OFF = "Passwords are switched off here. Use the “Sign in with {0}” button."  # noqa: S105


def safe_next(url: str) -> str:
    """Only a path on this site, so the form cannot bounce a user to another one."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


def _page(
    request: Request, next_url: str, email: str = "", error: str = "", status: int = 200
) -> Response:
    """The sign-in page: the provider's button when single sign-on is set up, the password form
    unless it is switched off (then folded away, for the break-glass accounts)."""
    settings: Settings = request.app.state.settings
    context = {
        "next_url": safe_next(next_url),
        "email": email,
        "error": error,
        "sso_name": settings.oidc_provider_name if settings.sso_enabled else "",
        "password_sign_in": settings.password_sign_in,
    }
    return render(request, "auth/sign_in.html", context, status=status)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return _page(request, next)


@router.post("/sign-in", dependencies=[AnonCsrfChecked])
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        user = guarded_sign_in(request, session, email=email, password=password)
    except PasswordSignInOff:
        return _page(request, next, email, PASSWORD_OFF.format(settings.oidc_provider_name), 403)
    except TooManySignIns as exc:
        error = LOCKED.format(in_words(exc.retry_after_s))
        response = _page(request, next, email, error, 429)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    if user is None:
        known = get_user_by_email(session, email)
        error = (
            DEACTIVATED
            if known is not None
            and not known.is_active
            and verify_password(known.password_hash, password)
            else WRONG_CREDENTIALS
        )
        return _page(request, next, email, error, 401)
    token = issue_token(
        session,
        user=user,
        kind=TokenKind.SESSION,
        expires_in=timedelta(seconds=settings.session_ttl_s),
        name="web session",
    )
    response = redirect(request, safe_next(next))
    set_session_cookie(response, token, settings)
    remember_device(response, user, settings)
    return response


@router.post("/sign-out", dependencies=[CsrfChecked])
def sign_out(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(session, token)
    response = redirect(request, "/sign-in", "You are signed out.", kind="info")
    clear_session_cookie(response)
    return response
