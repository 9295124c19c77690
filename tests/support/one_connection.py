"""A guard for apps under test: no request may check out a second pooled connection while it
holds one (the pool deadlock of issue 23). Each request is marked with a context variable, which
Starlette's worker threads inherit; the engine's pool events count connections per mark."""

from __future__ import annotations

import contextvars
import itertools
from collections import Counter
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from starlette.types import ASGIApp, Receive, Scope, Send

_request: contextvars.ContextVar[str | None] = contextvars.ContextVar("request", default=None)
_numbers = itertools.count(1)


class _MarkRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mark = f"{scope.get('method', '')} {scope.get('path', '')} #{next(_numbers)}"
        token = _request.set(mark)
        try:
            await self.app(scope, receive, send)
        finally:
            _request.reset(token)


class OneConnectionGuard:
    """Records every request that took a second connection while it held one."""

    def __init__(self, app: FastAPI) -> None:
        self.held: Counter[str] = Counter()
        self.violations: list[str] = []
        app.add_middleware(_MarkRequests)
        engine = app.state.engine
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)

    def _checkout(self, _dbapi: Any, record: Any, _proxy: Any) -> None:
        mark = _request.get()
        if mark is None:
            return
        if self.held[mark]:
            self.violations.append(mark)
        self.held[mark] += 1
        record.info["request"] = mark

    def _checkin(self, _dbapi: Any, record: Any) -> None:
        mark = record.info.pop("request", None)
        if mark is not None:
            self.held[mark] -= 1

    def check(self) -> None:
        assert not self.violations, f"a second connection while holding one: {self.violations}"
