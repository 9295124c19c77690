"""Webhook endpoints staff register, and one delivery per event and endpoint."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, enum_column, utcnow
from jobs.models import BigId

MAX_URL_CHARS = 2000


class WebhookEndpoint(Base):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(MAX_URL_CHARS))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    """`whsec_` and the base64 signing key (Standard Webhooks); shown to staff once."""
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryState(StrEnum):
    """Where one delivery stands."""

    PENDING = "pending"  # due at next_attempt_at (also while a dispatcher holds it)
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # no 2xx before give_up_at; "send again" makes it pending


class WebhookDelivery(Base):
    """One event for one endpoint: its message id, its attempts and the last answer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    """The `webhook-id` header: the same on every attempt, so receivers can drop duplicates."""
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Attempts started; a claim adds one, and a dispatcher's outcome is fenced on it."""
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    """When it is due; a claim moves it a lease ahead, so a killed dispatcher's try is redone."""
    give_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
