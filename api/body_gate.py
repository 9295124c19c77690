"""The request-body gate: one framing, a limit enforced as the bytes stream in, sign-in first.

Only a signed-in client may send more than a sign-in form's worth of bytes, and that is checked
before the first byte of the body is read, so an anonymous upload never reaches a temp file.
"""

from __future__ import annotations

import anyio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts.models import TokenKind
from accounts.service import resolve_token
from api.deps import SESSION_COOKIE
from api.errors import error_response
from core.db import transaction

# Enough for the sign-in form and the token request, the only bodies an anonymous client sends.
ANONYMOUS_BODY_BYTES = 64 * 1024


class BodyRefused(HTTPException):
    """Raised from `receive` when the streamed body passes the limit (FastAPI re-raises these)."""

    def __init__(self, limit: int) -> None:
        if limit == ANONYMOUS_BODY_BYTES:
            self.code = "unauthorized"
            message = "sign in first: only a signed-in client may send a large body"
        else:
            self.code = "too_large"
            message = f"the request body is larger than {limit // (1024 * 1024)} MB"
        super().__init__(401 if self.code == "unauthorized" else 413, message)

    def response(self) -> JSONResponse:
        return error_response(self.status_code, self.code, self.detail)


async def body_refused_response(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyRefused)
    return exc.response()


def _credentials(headers: Headers) -> tuple[str, TokenKind] | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), TokenKind.API
    cookie = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
    return (cookie, TokenKind.SESSION) if cookie else None


class BodyGate:
    """Refuse conflicting framing (400); stop bodies past the limit while they stream (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int, sessions: sessionmaker[Session]) -> None:
        self.app, self.max_bytes, self.sessions = app, max_bytes, sessions

    def _signed_in(self, headers: Headers) -> bool:
        found = _credentials(headers)
        if found is None:
            return False
        try:
            with transaction(self.sessions) as session:
                return resolve_token(session, found[0], kind=found[1]) is not None
        except SQLAlchemyError:
            return True  # the route itself answers for the database (503); do not guess a 401

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        if length is not None and (chunked or not length.isdigit()):
            message = (
                "send either Content-Length or Transfer-Encoding, not both"
                if chunked
                else "invalid Content-Length header"
            )
            await error_response(400, "bad_request", message)(scope, receive, send)
            return
        declared = int(length) if length is not None else 0
        limit = self.max_bytes
        if (chunked or declared > ANONYMOUS_BODY_BYTES) and not await anyio.to_thread.run_sync(
            self._signed_in, headers
        ):
            limit = ANONYMOUS_BODY_BYTES
        refusal = BodyRefused(limit)
        if declared > limit:
            await refusal.response()(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise refusal
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyRefused:
            if started:
                raise
            await refusal.response()(scope, receive, send)
