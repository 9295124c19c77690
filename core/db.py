"""Database engine, sessions and the column types shared by every model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    CursorResult,
    DateTime,
    Engine,
    Enum,
    Result,
    create_engine,
    event,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from core.db_timeouts import DatabaseTimeouts, bound_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of every table."""


def db_now(session: Session) -> ColumnElement[datetime]:
    """The database's clock on PostgreSQL (one clock for every pod), Python's on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return func.now()
    return literal(utcnow(), UTCDateTime())


def db_clock(session: Session) -> datetime:
    """The current time read from db_now(): tz-aware UTC, on the clock the workers write with."""
    now = session.scalar(select(type_coerce(db_now(session), UTCDateTime())))
    if now is None:
        raise RuntimeError("the database returned no current time")
    return now


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (Session.execute types its CursorResult as a Result)."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no rowcount: not an UPDATE or DELETE")
    return result.rowcount


def make_engine(
    url: str,
    *,
    pooled: bool = False,
    timeouts: DatabaseTimeouts = DatabaseTimeouts(),
    **kwargs: Any,
) -> Engine:
    """An engine with the per-dialect settings the job queue relies on.

    `pooled`: the URL is PgBouncer in transaction mode (DATABASE_POOLED). `timeouts` bound every
    PostgreSQL round trip (core/db_timeouts.py); SQLite needs none.
    """
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Waiting for a free pooled connection is bounded like opening one.
    kwargs.setdefault("pool_timeout", timeouts.connect_s)
    kwargs["connect_args"] = {**timeouts.connect_args(), **kwargs.get("connect_args", {})}
    if pooled:
        # Each transaction may run on another server connection, where a statement that
        # psycopg prepared on the last one does not exist (PgBouncer < 1.21).
        kwargs["connect_args"]["prepare_threshold"] = None
    engine = create_engine(url, **kwargs)
    bound_engine(engine, timeouts, pooled=pooled)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session


def enum_column(enum_cls: type[StrEnum]) -> Enum:
    """An enum stored as its plain string value (no database enum type to migrate)."""
    return Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )
