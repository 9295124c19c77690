"""Fair shares of one API process: at most PER_CLIENT requests of one client run at once.

A client is its bearer token, else its session cookie, else its address. The rest of a burst
waits, before its body is read, in its own client's queue, so a script sending 200 requests at
once delays itself and nobody else; past QUEUE_LIMIT waiting it is answered 429 at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import anyio
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import SESSION_COOKIE
from api.errors import error_json
from core.errors import QuotaExceeded

PER_CLIENT = 6
"""What a browser runs at once over HTTP/1.1, so a person clicking around never waits here."""
QUEUE_LIMIT = 64
"""Requests of one client that may wait for their turn; more are refused."""


def client_key(scope: Scope) -> str:
    """Who a request counts against: a digest of its credentials, else its address."""
    headers = Headers(scope=scope)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    secret = token.strip() if scheme.lower() == "bearer" else ""
    secret = secret or cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE, "")
    if secret:
        return "c:" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:32]
    client = scope.get("client")
    return "a:" + (client[0] if client else "unknown")


@dataclass
class _Share:
    slots: anyio.Semaphore
    waiting: int = 0
    users: int = 0


class FairShare:
    """Runs at most `per_client` requests of each client at once (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, per_client: int = PER_CLIENT, queue_limit: int = QUEUE_LIMIT
    ) -> None:
        self.app, self.per_client, self.queue_limit = app, per_client, queue_limit
        self._shares: dict[str, _Share] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        share = self._shares.get(key)
        if share is None:
            share = self._shares[key] = _Share(anyio.Semaphore(self.per_client))
        if share.waiting >= self.queue_limit:
            refusal = QuotaExceeded(
                f"more than {self.queue_limit} requests at once; wait for the earlier ones",
                code="too_many_requests",
                retry_after_s=1,
            )
            await error_json(refusal)(scope, receive, send)
            return
        share.users += 1
        try:
            share.waiting += 1
            try:
                await share.slots.acquire()
            finally:
                share.waiting -= 1
            try:
                await self.app(scope, receive, send)
            finally:
                share.slots.release()
        finally:
            share.users -= 1
            if not share.users:
                del self._shares[key]
