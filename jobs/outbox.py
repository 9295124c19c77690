"""The webhook outbox: each event is written in the transaction of the change that causes it.

So no event is lost (it commits with the change) and none is sent for a change that rolled
back. The dispatcher (webhooks/) fans each event out to the endpoints subscribed to it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Index, insert, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, enum_column, utcnow
from jobs.events import Event, Executor, payload
from jobs.models import BigId


class OutboxEvent(Base):
    """One event that happened, with its payload as it stood then."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index(
            "ix_webhook_events_unfanned",
            "id",
            postgresql_where=text("fanned_out_at IS NULL"),
            sqlite_where=text("fanned_out_at IS NULL"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event: Mapped[Event] = mapped_column(enum_column(Event))
    subject_id: Mapped[int] = mapped_column(BigId)
    """The job's or share link's id."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When the dispatcher made its deliveries (None: not yet)."""


outbox = OutboxEvent.metadata.tables[OutboxEvent.__tablename__]


def record(executor: Executor, event: Event, subject_id: int) -> Literal[True]:
    """Write the event to the outbox in the caller's transaction; True, to chain after a write."""
    executor.execute(
        insert(outbox).values(
            event=event,
            subject_id=subject_id,
            payload=payload(executor, event, subject_id),
            created_at=utcnow(),
        )
    )
    return True
