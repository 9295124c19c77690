"""Single sign-on through the deployment's OpenID provider: the button's start and the callback.

The state, nonce and PKCE verifier stay in the database (accounts/sso.py); the browser holds only
a short-lived cookie that binds the sign-in to it, so a callback opened in another browser, or a
second time, is refused.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts.models import TokenKind
from accounts.oidc import OidcClient, ProviderUnavailable, TokenRejected
from accounts.service import issue_token
from accounts.sso import SIGN_IN_TTL, SsoRefused, start_sign_in, take_sign_in, user_for
from api.deps import SessionDep, SettingsDep
from api.pages.auth import DEACTIVATED, safe_next
from api.pages.common import PageError, PageRoute
from api.web_session import set_session_cookie
from core.settings import AppEnv, Settings

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False, route_class=PageRoute)

BROWSER_COOKIE = "sw_sso"
CALLBACK_PATH = "/sso/callback"
AGAIN = "Sign in again"


def _client(request: Request, settings: Settings) -> OidcClient:
    """The app's one client: it caches the provider's metadata and keys."""
    client: OidcClient | None = getattr(request.app.state, "oidc_client", None)
    if client is None:
        redirect_uri = settings.base_url.rstrip("/") + CALLBACK_PATH
        client = request.app.state.oidc_client = OidcClient(settings, redirect_uri)
    return client


def _refuse(status: int, title: str, message: str) -> PageError:
    return PageError(status, title, message, retry_url="/sign-in", retry_label=AGAIN)


def _unavailable(exc: ProviderUnavailable) -> PageError:
    log.warning("sso provider unavailable", extra={"error": str(exc)})
    return _refuse(
        502,
        "Sign-in provider unavailable",
        "The sign-in provider did not answer. Try again in a minute; if it keeps failing, "
        "tell your admin.",
    )


def _require_sso(settings: Settings) -> None:
    if not settings.sso_enabled:
        raise PageError(404, "Page not found", "Single sign-on is not set up here.")


# A link, not a form: the CSP's form-action 'self' would stop a form's redirect to the provider.
@router.get("/sso/start")
def start(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> Response:
    _require_sso(settings)
    client = _client(request, settings)
    try:
        client.metadata()  # fetched (when due) before a transaction opens, not inside one
        started = start_sign_in(session, next_url=safe_next(next))
        url = client.authorization_url(
            state=started.state, nonce=started.nonce, code_verifier=started.code_verifier
        )
    except ProviderUnavailable as exc:
        raise _unavailable(exc) from exc
    response = Response(status_code=303, headers={"Location": url})
    response.set_cookie(
        BROWSER_COOKIE,
        started.browser,
        max_age=int(SIGN_IN_TTL.total_seconds()),
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: Lax sends it
        secure=settings.app_env is not AppEnv.DEV,
        path=CALLBACK_PATH,
    )
    return response


@router.get(CALLBACK_PATH)
def callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    _require_sso(settings)
    pending = take_sign_in(
        session, state=state[:200], browser=request.cookies.get(BROWSER_COOKIE, "")
    )
    session.commit()  # taken for good, whatever happens next: a state works once
    if pending is None:
        raise _refuse(
            400,
            "Sign-in link expired",
            "This sign-in was already used, took too long, or began in another browser. "
            "Start again from the sign-in page.",
        )
    if error or not code:
        raise _refuse(
            401,
            "Not signed in",
            f"The sign-in provider did not sign you in ({error[:80] or 'no code'}).",
        )
    try:
        identity = _client(request, settings).exchange(
            code=code[:2000], code_verifier=pending.code_verifier, nonce=pending.nonce
        )
    except ProviderUnavailable as exc:
        raise _unavailable(exc) from exc
    except TokenRejected as exc:
        log.warning("sso token rejected", extra={"error": str(exc)})
        raise _refuse(
            401,
            "Sign-in could not be verified",
            "The answer from the sign-in provider did not pass our checks, so you are not "
            "signed in. Try again; if it keeps failing, tell your admin.",
        ) from exc
    try:
        user = user_for(session, identity, settings)
    except SsoRefused as exc:
        log.info("sso refused", extra={"error": str(exc), "subject": identity.subject})
        raise _refuse(403, "Not allowed to sign in", str(exc)) from exc
    if not user.is_active:
        raise _refuse(403, "Account deactivated", DEACTIVATED)
    token = issue_token(
        session,
        user=user,
        kind=TokenKind.SESSION,
        expires_in=timedelta(seconds=settings.session_ttl_s),
        name="web session (single sign-on)",
    )
    response = Response(status_code=303, headers={"Location": pending.next_url})
    set_session_cookie(response, token, settings)
    response.delete_cookie(BROWSER_COOKIE, path=CALLBACK_PATH)
    return response
