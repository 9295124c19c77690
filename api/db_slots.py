"""A request's turn at the database, taken in the event loop before its first query.

Starlette runs each sync dependency and handler in a thread of its own (40 at most). A request
that holds a pooled connection between two of those steps, waiting for a thread while every
thread waits for a connection, stalls the whole process until the pool's timeout. So a request
takes a slot first, asynchronously, and holds it until its session is closed: there are no more
slots than connections in the pool, so a thread that asks the pool always gets one at once, and
no request ever holds one connection while it waits for another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from core.faults import DatabaseUnavailable

SLOT_WAIT_S = 3.0
"""How long a request waits for its turn before it is answered 503 (with Retry-After)."""
DEFAULT_SLOTS = 15  # SQLAlchemy's pool size (5) plus its overflow (10)


def slots_for(engine: Engine) -> int:
    """As many slots as the engine's pool has connections."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        # The pool has no public accessor for its overflow limit (-1: unlimited).
        return pool.size() + max(0, pool._max_overflow)
    return DEFAULT_SLOTS


class DatabaseSlots:
    """At most `count` requests hold a database session at once; the others wait their turn."""

    def __init__(self, count: int, wait_s: float = SLOT_WAIT_S) -> None:
        self.count, self.wait_s = count, wait_s
        self._free = anyio.Semaphore(count)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Wait (at most wait_s) for a slot and hold it for the block."""
        try:
            with anyio.fail_after(self.wait_s):
                await self._free.acquire()
        except TimeoutError as exc:
            raise DatabaseUnavailable(
                f"no database slot free within {self.wait_s:g} s ({self.count} slots)",
                message="the service is busy; try again in a few seconds",
            ) from exc
        try:
            yield
        finally:
            self._free.release()
