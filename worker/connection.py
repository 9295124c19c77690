"""The worker's own database connection for claims and finishing writes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.db_timeouts import NoAnswer
from core.faults import DatabaseUnavailable, classify

T = TypeVar("T")
log = logging.getLogger(__name__)

FIRST_PAUSE_S, MAX_PAUSE_S = 0.2, 2.0
"""Backoff between tries of a write that must not be lost: doubled from first to max."""


class DedicatedConnection:
    """One connection held for the worker's whole life, instead of a pool checkout per step.

    A held connection skips the pool's checkout, pre-ping and reset round trips, and lets
    psycopg prepare the queue statements server-side. After any database error it is closed
    and a fresh one is opened on next use.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        # The heartbeat thread shares it with the loop: one transaction at a time.
        self._lock = threading.RLock()

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one committed transaction; once more if the connection had died."""
        try:
            return self._once(work)
        except DBAPIError as exc:
            # A connection the server dropped while idle fails at once; use a fresh one.
            if not exc.connection_invalidated or isinstance(exc.orig, NoAnswer):
                raise
        return self._once(work)

    def transaction_until(
        self, work: Callable[[Connection], T], *, deadline: float, what: str
    ) -> T:
        """Like transaction, but tried again with backoff while the database is unavailable,
        until the monotonic `deadline` (the end of the lease); then DatabaseUnavailable."""
        pause_s = FIRST_PAUSE_S
        while True:
            try:
                return self.transaction(work)
            except SQLAlchemyError as exc:
                fault = classify(exc)
                if not isinstance(fault, DatabaseUnavailable):
                    raise
                if time.monotonic() + pause_s >= deadline:
                    raise fault from exc
                log.warning("%s failed, trying again in %.1fs: %s", what, pause_s, fault)
            time.sleep(pause_s)
            pause_s = min(MAX_PAUSE_S, pause_s * 2)

    def _once(self, work: Callable[[Connection], T]) -> T:
        with self._lock:
            if self._conn is None:
                self._conn = self._engine.connect()
            try:
                with self._conn.begin():
                    return work(self._conn)
            except SQLAlchemyError:
                self.close()
                raise

    def close(self) -> None:
        """Give the connection back; the next transaction opens a new one."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.close()
            except SQLAlchemyError:
                conn.invalidate()
