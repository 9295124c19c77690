"""The worker's own database connection for claims and finishing writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

T = TypeVar("T")


class DedicatedConnection:
    """One connection held for the worker's whole life, instead of a pool checkout per step.

    A held connection skips the pool's checkout, pre-ping and reset round trips, and lets
    psycopg prepare the queue statements server-side. After any database error it is closed
    and a fresh one is opened on next use.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one committed transaction; once more if the connection had died."""
        try:
            return self._once(work)
        except DBAPIError as exc:
            # A connection the server dropped while idle fails at once; use a fresh one.
            if not exc.connection_invalidated:
                raise
        return self._once(work)

    def _once(self, work: Callable[[Connection], T]) -> T:
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
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.close()
            except SQLAlchemyError:
                conn.invalidate()
