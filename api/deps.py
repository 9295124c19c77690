"""Request dependencies as Annotated aliases: settings, DB session, storage, the signed-in user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from accounts.models import Role, TokenKind, User
from accounts.security import csrf_token_matches
from accounts.service import resolve_token
from api.errors import Forbidden, Unauthorized
from core.errors import NotFound
from core.settings import AppEnv, Settings
from core.signing import digests_match
from core.storage import Storage

SESSION_COOKIE = "sw_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def roll_back_request(request: Request) -> None:
    """Mark the request failed: its session rolls back even though the handler returns normally."""
    request.state.roll_back = True


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
    finally:
        session.close()  # rolls back whatever was not committed; the connection goes back


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, in its turn at the database (api/db_slots.py): committed
    before the response is sent, else rolled back, and closed before the turn is given back."""
    async with request.app.state.db_slots.hold():
        session = request.app.state.sessionmaker()
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_end, session, False)
            raise
        commit = not getattr(request.state, "roll_back", False)
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_end, session, commit)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def verify_csrf(request: Request, session_token: str, settings: Settings) -> None:
    """Refuse a state-changing cookie-authenticated request without the session's CSRF token."""
    candidate = request.headers.get(CSRF_HEADER, "")
    if not candidate or not csrf_token_matches(session_token, settings.secret_key, candidate):
        raise Forbidden(
            f"missing or wrong {CSRF_HEADER} header for a cookie-authenticated request",
            code="csrf_failed",
        )


def get_current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user behind the bearer token, or behind the session cookie (CSRF-checked)."""
    if request.headers.get("authorization"):
        if credentials is None:
            raise Unauthorized("use the header 'Authorization: Bearer <token>'")
        user = resolve_token(session, credentials.credentials, kind=TokenKind.API)
        if user is None:
            raise Unauthorized("the token is invalid, expired or revoked; request a new one")
        request.state.auth_token = credentials.credentials
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        user = resolve_token(session, cookie, kind=TokenKind.SESSION)
        if user is None:
            raise Unauthorized("your session has expired; sign in again")
        if request.method not in SAFE_METHODS:
            verify_csrf(request, cookie, settings)
        request.state.auth_token = cookie
        return user
    raise Unauthorized("sign in first: POST /api/v1/auth/token, then send the bearer token")


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_metrics_token(request: Request, settings: SettingsDep) -> None:
    """/metrics needs METRICS_TOKEN as a bearer token; without one it is open in dev mode only."""
    if not settings.metrics_token:
        if settings.app_env is AppEnv.DEV:
            return
        raise NotFound("metrics are off: set METRICS_TOKEN and scrape with it as a bearer token")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not digests_match(settings.metrics_token, token.strip()):
        raise Unauthorized("send the METRICS_TOKEN as 'Authorization: Bearer <token>'")


def require_role(role: Role) -> Callable[[User], User]:
    """A dependency that admits users whose role includes `role`."""

    def check(user: CurrentUser) -> User:
        if not user.role.includes(role):
            raise Forbidden(f"this needs the {role.value} role")
        return user

    return check


MerchandiserUser = Annotated[User, Depends(require_role(Role.MERCHANDISER))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
