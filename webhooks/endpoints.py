"""Registering and changing webhook endpoints, and their delivery logs; the caller commits."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import User
from core.errors import Invalid, NotFound
from jobs.events import Event
from jobs.outbox import OutboxEvent
from webhooks.guard import check_url
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

MAX_DESCRIPTION_CHARS = 200
LOG_SIZE = 50
"""The newest deliveries an endpoint's log shows."""
SECRET_BYTES = 24


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _events(chosen: Collection[str]) -> list[str]:
    known = {event.value for event in Event}
    unknown = sorted(set(chosen) - known)
    if unknown:
        raise Invalid(f"unknown event {', '.join(unknown)}", field="events")
    if not chosen:
        raise Invalid("choose at least one event", field="events")
    return [event.value for event in Event if event.value in chosen]


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise Invalid(
            f"the description is longer than {MAX_DESCRIPTION_CHARS} characters",
            field="description",
        )
    return text


def register(
    session: Session,
    *,
    user: User,
    url: str,
    events: Collection[str],
    description: str = "",
    active: bool = True,
    allow_private: bool,
) -> WebhookEndpoint:
    """A new endpoint with a new secret; Invalid names the field to change."""
    endpoint = WebhookEndpoint(
        url=check_url(url, allow_private=allow_private),
        events=_events(events),
        description=_description(description),
        active=active,
        secret=new_secret(),
        created_by_id=user.id,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return endpoint


def change(
    session: Session,
    endpoint: WebhookEndpoint,
    *,
    url: str,
    events: Collection[str],
    description: str,
    active: bool,
    allow_private: bool,
) -> None:
    """New settings for the endpoint; deliveries already made keep their message ids."""
    if url.strip() != endpoint.url:
        endpoint.url = check_url(url, allow_private=allow_private)
    endpoint.events = _events(events)
    endpoint.description = _description(description)
    endpoint.active = active
    session.flush()


@dataclass(frozen=True)
class EndpointSummary:
    """An endpoint with its deliveries counted by state."""

    endpoint: WebhookEndpoint
    counts: dict[DeliveryState, int]


def list_endpoints(session: Session) -> list[EndpointSummary]:
    counts: dict[int, dict[DeliveryState, int]] = {}
    for endpoint_id, state, count in session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.state, func.count()).group_by(
            WebhookDelivery.endpoint_id, WebhookDelivery.state
        )
    ):
        counts.setdefault(endpoint_id, {})[state] = count
    endpoints = session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
    return [EndpointSummary(e, counts.get(e.id, {})) for e in endpoints]


@dataclass(frozen=True)
class LogEntry:
    """One delivery as the log shows it."""

    delivery: WebhookDelivery
    event: Event
    subject_id: int


def delivery_log(session: Session, endpoint_id: int, *, limit: int = LOG_SIZE) -> list[LogEntry]:
    """The endpoint's newest deliveries, newest first."""
    rows = session.execute(
        select(WebhookDelivery, OutboxEvent.event, OutboxEvent.subject_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return [LogEntry(delivery, event, subject_id) for delivery, event, subject_id in rows]
