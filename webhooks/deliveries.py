"""The delivery table's moves: fan events out, claim due deliveries, record each outcome.

Every function takes the caller's session and never commits. A claim moves the delivery a lease
ahead and counts the attempt; the outcome is fenced on that count, so a dispatcher that was
killed mid-delivery leaves the delivery due again once the lease runs out (at least once, with
the same message id), and a late outcome of an attempt taken over by another dispatcher is
dropped.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core.db import db_clock, rowcount
from jobs.events import Event
from jobs.outbox import OutboxEvent
from jobs.queue import backoff_s
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

FAN_OUT_BATCH = 200
"""Events one fan-out transaction takes."""


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery with what sending it needs."""

    id: int
    attempts: int
    message_id: str
    url: str
    secret: str
    event: Event
    occurred_at: datetime
    payload: dict[str, Any]


def new_message_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def fan_out(session: Session, *, give_up_s: float) -> int:
    """One delivery per new event and active endpoint subscribed to it; the events fanned out."""
    events = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.fanned_out_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(FAN_OUT_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    now = db_clock(session)
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active)).all()
    rows = [
        {
            "endpoint_id": endpoint.id,
            "event_id": event.id,
            "message_id": new_message_id(),
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "give_up_at": now + timedelta(seconds=give_up_s),
            "last_error": "",
            "created_at": now,
        }
        for event in events
        for endpoint in endpoints
        if event.event.value in endpoint.events
    ]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_([event.id for event in events]))
        .values(fanned_out_at=now)
        .execution_options(synchronize_session=False)
    )
    return len(events)


def claim(session: Session, *, limit: int, lease_s: float) -> list[Claimed]:
    """Take up to `limit` due deliveries of active endpoints, oldest due first."""
    now = db_clock(session)
    due = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.endpoint_id.in_(
                select(WebhookEndpoint.id).where(WebhookEndpoint.active)
            ),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # Claim: one statement; counts the attempt and moves the delivery a lease ahead.
    claimed = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=now + timedelta(seconds=lease_s),
            last_attempt_at=now,
        )
        .returning(WebhookDelivery.id, WebhookDelivery.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    attempts = dict(claimed)
    rows = session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.message_id,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            OutboxEvent.event,
            OutboxEvent.created_at,
            OutboxEvent.payload,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(attempts))
        .order_by(WebhookDelivery.id)
    ).all()
    return [
        Claimed(row.id, attempts[row.id], row.message_id, row.url, row.secret, *row[4:])
        for row in rows
    ]


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: an answer's status (None: no answer), its latency and why."""

    status: int | None
    latency_ms: int
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def finish(
    session: Session, delivery: Claimed, outcome: Outcome, *, base_s: float, cap_s: float
) -> DeliveryState | None:
    """Record the attempt: delivered, due again after a backoff, or failed once past give_up_at.

    None: another dispatcher has taken the delivery over since (nothing is written).
    """
    now = db_clock(session)
    values: dict[str, Any] = {
        "last_status_code": outcome.status,
        "last_latency_ms": outcome.latency_ms,
        "last_error": outcome.error[:1000],
    }
    fenced = (
        (WebhookDelivery.id == delivery.id)
        & (WebhookDelivery.attempts == delivery.attempts)
        & (WebhookDelivery.state == DeliveryState.PENDING)
    )
    if outcome.delivered:
        state = DeliveryState.DELIVERED
        values |= {"state": state, "delivered_at": now}
    else:
        retry_at = now + timedelta(seconds=backoff_s(delivery.attempts, base_s=base_s, cap_s=cap_s))
        give_up_at = session.scalar(select(WebhookDelivery.give_up_at).where(fenced))
        if give_up_at is None:
            return None
        state = DeliveryState.FAILED if retry_at >= give_up_at else DeliveryState.PENDING
        values |= {"state": state, "next_attempt_at": retry_at}
    statement = update(WebhookDelivery).where(fenced).values(**values)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return state if rowcount(result) == 1 else None


def send_again(session: Session, *, endpoint_id: int, delivery_id: int, give_up_s: float) -> bool:
    """Make a delivery due now, with the same message id and a fresh give-up time."""
    now = db_clock(session)
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
        .values(
            state=DeliveryState.PENDING,
            next_attempt_at=now,
            give_up_at=now + timedelta(seconds=give_up_s),
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def prune(session: Session, *, older_than_s: float) -> int:
    """Delete events older than this, with their deliveries, unless one is still pending."""
    cutoff = db_clock(session) - timedelta(seconds=older_than_s)
    pending = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.event_id == OutboxEvent.id,
            WebhookDelivery.state == DeliveryState.PENDING,
        )
        .exists()
    )
    result = session.execute(
        delete(OutboxEvent)
        .where(OutboxEvent.created_at < cutoff, OutboxEvent.fanned_out_at.is_not(None), ~pending)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
