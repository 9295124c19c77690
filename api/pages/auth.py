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
from api.sign_in_guard import TooManySignIns, in_words, remember_device
from api.sign_in_guard import sign_in as guarded_sign_in
from api.web_session import SESSION_COOKIE, clear_session_cookie, set_session_cookie

router = APIRouter(include_in_schema=False, route_class=PageRoute)

WRONG_CREDENTIALS = "Wrong email or password. Check both and try again."
LOCKED = "Too many failed sign-ins. Try again in {0}, or ask an admin."
DEACTIVATED = "This account has been deactivated. Ask an admin to reactivate it."


def _safe_next(url: str) -> str:
    """Only a path on this site, so the form cannot bounce a user to another one."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return render(request, "auth/sign_in.html", {"next_url": _safe_next(next), "email": ""})


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
    except TooManySignIns as exc:
        error = LOCKED.format(in_words(exc.retry_after_s))
        context = {"next_url": _safe_next(next), "email": email, "error": error}
        response: Response = render(request, "auth/sign_in.html", context, status=429)
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
        context = {"next_url": _safe_next(next), "email": email, "error": error}
        return render(request, "auth/sign_in.html", context, status=401)
    token = issue_token(
        session,
        user=user,
        kind=TokenKind.SESSION,
        expires_in=timedelta(seconds=settings.session_ttl_s),
        name="web session",
    )
    response = redirect(request, _safe_next(next))
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
