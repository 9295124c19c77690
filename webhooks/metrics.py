"""Webhook figures for GET /metrics: deliveries by state, the oldest overdue one, the events a
dispatcher has not fanned out yet (both grow while no dispatcher runs)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import db_clock
from jobs.outbox import OutboxEvent
from webhooks.models import DeliveryState, WebhookDelivery


def webhook_metrics(session: Session) -> Iterable[GaugeMetricFamily]:
    now = db_clock(session)
    counts = dict(
        session.execute(
            select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
        ).all()
    )
    deliveries = GaugeMetricFamily(
        "stagewright_webhook_deliveries", "Webhook deliveries by state", labels=["state"]
    )
    for state in DeliveryState:
        deliveries.add_metric([state.value], counts.get(state, 0))
    yield deliveries
    oldest = session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= now
        )
    )
    yield GaugeMetricFamily(
        "stagewright_webhook_oldest_due_seconds",
        "How long the longest-waiting due delivery has been due (0: none)",
        value=(now - oldest).total_seconds() if oldest else 0.0,
    )
    unfanned = select(func.count()).where(OutboxEvent.fanned_out_at.is_(None))
    yield GaugeMetricFamily(
        "stagewright_webhook_events_waiting",
        "Events no dispatcher has fanned out to their endpoints yet",
        value=session.scalar(unfanned) or 0,
    )
