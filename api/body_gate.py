"""The request-body gate: one framing, a limit enforced as the bytes stream in, sign-in first.

Only a signed-in client may send more than a sign-in form's worth of bytes, and that is checked
before the first byte of the body is read, so an anonymous upload never reaches a temp file.
When the credentials cannot be checked (the database fails), the gate answers 503 before reading
the body: it never takes a client it could not check for a signed-in one.
"""

from __future__ import annotations

import anyio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts.models import TokenKind
from accounts.service import resolve_token
from api.db_slots import DatabaseSlots
from api.deps import SESSION_COOKIE
from api.errors import Unauthorized, error_json
from api.inputs import ascii_digits
from core.db import transaction
from core.errors import AppError, ServiceError, TooLarge
from core.faults import DatabaseUnavailable

# Enough for the sign-in form and the token request, the only bodies an anonymous client sends.
ANONYMOUS_BODY_BYTES = 64 * 1024


def _credentials(headers: Headers) -> tuple[str, TokenKind] | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), TokenKind.API
    cookie = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
    return (cookie, TokenKind.SESSION) if cookie else None


def _framing_error(headers: Headers) -> ServiceError | None:
    length = headers.get("content-length")
    chunked = "transfer-encoding" in headers
    if length is None:
        return None
    if chunked:
        return ServiceError("send either Content-Length or Transfer-Encoding, not both")
    if not ascii_digits(length):
        return ServiceError("invalid Content-Length header")
    return None


def _refusal(limit: int) -> AppError:
    if limit == ANONYMOUS_BODY_BYTES:
        return Unauthorized("sign in first: only a signed-in client may send a large body")
    return TooLarge(f"the request body is larger than {limit // (1024 * 1024)} MB")


class BodyGate:
    """Refuse conflicting framing (400); stop bodies past the limit while they stream (413)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, sessions: sessionmaker[Session], slots: DatabaseSlots
    ) -> None:
        self.app, self.max_bytes, self.sessions, self.slots = app, max_bytes, sessions, slots

    def _resolves(self, credentials: tuple[str, TokenKind]) -> bool:
        try:
            with transaction(self.sessions) as session:
                return resolve_token(session, credentials[0], kind=credentials[1]) is not None
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(f"the body gate could not check a token: {exc}") from exc

    async def _signed_in(self, headers: Headers) -> bool:
        found = _credentials(headers)
        if found is None:
            return False
        async with self.slots.hold():
            return await anyio.to_thread.run_sync(self._resolves, found)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if error := _framing_error(headers):
            await error_json(error)(scope, receive, send)
            return
        declared = int(headers.get("content-length") or 0)
        limit = self.max_bytes
        if "transfer-encoding" in headers or declared > ANONYMOUS_BODY_BYTES:
            try:
                if not await self._signed_in(headers):
                    limit = ANONYMOUS_BODY_BYTES
            except AppError as error:
                await error_json(error)(scope, receive, send)
                return
        if declared > limit:
            await error_json(_refusal(limit))(scope, receive, send)
            return
        await self._gated(scope, receive, send, limit)

    async def _gated(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app; past `limit` received bytes, answer the refusal (unless the app has
        begun its answer) and tell the app the client is gone; what it sends then is dropped."""
        received, started, cut, answered = 0, False, False, False

        async def counted() -> Message:
            nonlocal received, cut, answered
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received <= limit:
                return message
            cut = True
            if not started:
                await error_json(_refusal(limit))(scope, receive, send)
                answered = True
            return {"type": "http.disconnect"}

        async def watched(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)
