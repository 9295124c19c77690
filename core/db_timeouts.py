"""Bounds on every PostgreSQL round trip: a server that accepts connections but never answers
costs a process seconds, not the whole stall.

- A connect: libpq's `connect_timeout` (TCP, TLS and the startup exchange together).
- A dead peer or a network black hole: TCP keepalives and `tcp_user_timeout`.
- A slow statement: PostgreSQL's `statement_timeout`; the server cancels it and the connection
  stays usable. It is a startup option on direct connections only: PgBouncer in transaction mode
  refuses (or, when told to ignore it, drops) `options`, and a session `SET` would leak to other
  clients of its server connection; behind PgBouncer the role's own setting applies.
- A server that never answers (hung, stopped, behind a dead proxy): the client's own deadline on
  every round trip (BoundedConnection), after which the connection is dropped. The pool's check
  of an idle connection gets a short one, so a request that meets a hung server fails (503)
  within PING_TIMEOUT_S plus the connect timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors
from psycopg.abc import PQGen
from sqlalchemy import Engine, event

CONNECT_TIMEOUT_S, STATEMENT_TIMEOUT_S, TCP_USER_TIMEOUT_S = 3, 30.0, 10.0
"""The defaults of DATABASE_CONNECT_TIMEOUT_S, DATABASE_STATEMENT_TIMEOUT_S and
DATABASE_TCP_USER_TIMEOUT_S."""
PING_TIMEOUT_S = 1.0
"""The pool's check of an idle connection before a request uses it (an empty statement)."""
ANSWER_MARGIN_S = 2.0
"""The client waits this much longer than statement_timeout: the server's own cancel comes first."""
KEEPALIVE_IDLE_S, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT = 5, 2, 3
"""An idle connection is probed after 5 s, every 2 s; 3 missed probes drop it (about 11 s)."""


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long a PostgreSQL connection waits (Settings.database_timeouts: the configured ones)."""

    connect_s: int = CONNECT_TIMEOUT_S
    statement_s: float | None = STATEMENT_TIMEOUT_S
    """None: no statement_timeout sent and no client deadline (migrations)."""
    tcp_user_s: float = TCP_USER_TIMEOUT_S

    @property
    def answer_s(self) -> float | None:
        """The client's deadline on one round trip."""
        return None if self.statement_s is None else self.statement_s + ANSWER_MARGIN_S

    def connect_args(self) -> dict[str, Any]:
        """libpq parameters of every connection; all client-side, so PgBouncer passes them."""
        return {
            "connect_timeout": self.connect_s,
            "keepalives": 1,
            "keepalives_idle": KEEPALIVE_IDLE_S,
            "keepalives_interval": KEEPALIVE_INTERVAL_S,
            "keepalives_count": KEEPALIVE_COUNT,
            "tcp_user_timeout": int(self.tcp_user_s * 1000),
        }

    def startup_options(self, options: str = "") -> str:
        """libpq `options` with the statement_timeout added (direct connections only)."""
        if self.statement_s is None:
            return options
        return f"{options} -c statement_timeout={int(self.statement_s * 1000)}".strip()


class NoAnswer(psycopg.OperationalError):
    """The server did not answer a round trip within the client's deadline; the connection is
    closed (a fresh one would meet the same silent server, so it is no use to retry at once)."""


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that gives up on a round trip after `answer_s` seconds.

    Every round trip (execute, fetch, commit, rollback, the pool's ping) goes through `wait`.
    A timed-out one leaves the protocol mid-message, so the connection is closed (broken, as
    SQLAlchemy sees it: the pool drops it and the next use connects afresh).
    """

    answer_s: float | None = None

    def wait(self, gen: PQGen[Any], interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.answer_s is None:  # a caller's own wait (notifies)
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, self.answer_s)
        except errors._WaitTimeout:
            self.pgconn.finish()  # non-blocking libpq: never waits on the silent server
            raise NoAnswer(
                f"no answer from the database within {self.answer_s:g} s; connection dropped"
            ) from None

    @classmethod
    def open(cls, conninfo: str, timeouts: DatabaseTimeouts, **kwargs: Any) -> BoundedConnection:
        """A direct connection with every bound of `timeouts`."""
        options = timeouts.startup_options(kwargs.pop("options", ""))
        args = {**timeouts.connect_args(), **kwargs, **({"options": options} if options else {})}
        conn = cls.connect(conninfo, **args)
        conn.answer_s = timeouts.answer_s
        return conn


def bound_engine(engine: Engine, timeouts: DatabaseTimeouts, *, pooled: bool) -> None:
    """Make the engine's connections BoundedConnections; its pool's pings get PING_TIMEOUT_S."""

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        if not pooled:
            cparams["options"] = timeouts.startup_options(cparams.get("options", ""))
            if not cparams["options"]:
                del cparams["options"]
        conn = BoundedConnection.connect(*cargs, **cparams)
        conn.answer_s = timeouts.answer_s
        return conn

    def _deadline(answer_s: float | None) -> Any:
        def set_deadline(dbapi_connection: Any, *_args: Any) -> None:
            if isinstance(dbapi_connection, BoundedConnection):
                dbapi_connection.answer_s = answer_s

        return set_deadline

    # Checked in, a connection waits idle; the next checkout pings it first, then takes it.
    ping_s = None if timeouts.answer_s is None else min(PING_TIMEOUT_S, timeouts.answer_s)
    event.listen(engine, "checkin", _deadline(ping_s))
    event.listen(engine, "checkout", _deadline(timeouts.answer_s))
