"""The dispatcher loop: fan out new events, claim due deliveries, sign and send them.

A process of its own (`python -m webhooks`), never an API request nor the worker: a slow or
dead endpoint delays nothing but its own deliveries. No transaction is open while a request is
in flight.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from standardwebhooks import Webhook

from core.db import make_sessionmaker, transaction
from core.settings import Settings
from jobs.events import envelope
from webhooks.deliveries import Claimed, Outcome, claim, fan_out, finish, prune
from webhooks.guard import RefusedDestination, resolve
from webhooks.sender import SendFailed, post

log = logging.getLogger("webhooks")

LEASE_MARGIN_S = 5.0
"""A claim's lease: the longest attempt (connect + read) and this much more to record it; a
dispatcher killed mid-delivery leaves the delivery due again when the lease ends."""
PRUNE_INTERVAL_S = 3600.0
"""How often old events and their deliveries are deleted."""
OUTAGE_BACKOFF_MAX_S = 30.0
"""Longest wait between two tries to reach a database that is down."""


def signed_headers(delivery: Claimed, body: bytes, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (a fresh timestamp, the same id)."""
    signature = Webhook(delivery.secret).sign(delivery.message_id, now, body)
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


class Dispatcher:
    """Fans out, claims and sends until stop is set."""

    def __init__(self, settings: Settings, engine: Engine, stop: threading.Event) -> None:
        self.settings = settings
        self.sessions = make_sessionmaker(engine)
        self.stop = stop
        self.lease_s = (
            settings.webhook_connect_timeout_s + settings.webhook_read_timeout_s + LEASE_MARGIN_S
        )
        self.pool = ThreadPoolExecutor(settings.webhook_concurrency, "webhook-send")
        self.next_prune = 0.0

    def send(self, delivery: Claimed) -> Outcome:
        """One attempt, checked against the guard after resolving; never raises."""
        s = self.settings
        body = envelope(delivery.event, delivery.occurred_at, delivery.payload)
        try:
            destination = resolve(delivery.url, allow_private=s.webhook_allow_private)
            answer = post(
                destination,
                body,
                signed_headers(delivery, body, datetime.now(UTC)),
                connect_s=s.webhook_connect_timeout_s,
                read_s=s.webhook_read_timeout_s,
                max_response_bytes=s.webhook_max_response_bytes,
            )
        except RefusedDestination as exc:
            return Outcome(None, 0, f"refused: {exc}")
        except SendFailed as exc:
            return Outcome(None, exc.latency_ms, str(exc))
        error = "" if 200 <= answer.status < 300 else answer.body[:300].decode("utf-8", "replace")
        return Outcome(answer.status, answer.latency_ms, error)

    def run_once(self) -> int:
        """One round; the deliveries attempted (0: nothing was due)."""
        s = self.settings
        if time.monotonic() >= self.next_prune:
            with transaction(self.sessions) as session:
                pruned = prune(session, older_than_s=s.webhook_log_days * 86400)
            self.next_prune = time.monotonic() + PRUNE_INTERVAL_S
            log.info("old webhook events deleted", extra={"events": pruned})
        with transaction(self.sessions) as session:
            fan_out(session, give_up_s=s.webhook_give_up_s)
        with transaction(self.sessions) as session:
            claimed = claim(session, limit=s.webhook_concurrency, lease_s=self.lease_s)
        for delivery, outcome in zip(claimed, self.pool.map(self.send, claimed), strict=True):
            with transaction(self.sessions) as session:
                state = finish(
                    session,
                    delivery,
                    outcome,
                    base_s=s.webhook_retry_base_s,
                    cap_s=s.webhook_retry_cap_s,
                )
            log.info(
                "webhook attempt",
                extra={
                    "delivery_id": delivery.id,
                    "message_id": delivery.message_id,
                    "event": delivery.event.value,
                    "attempt": delivery.attempts,
                    "status": outcome.status,
                    "latency_ms": outcome.latency_ms,
                    "state": state.value if state else "taken over",
                    "error": outcome.error[:200],
                },
            )
        return len(claimed)

    def run(self) -> None:
        """Loop until stop; a database outage is waited out with a growing pause."""
        outage_s = 0.0
        while not self.stop.is_set():
            try:
                attempted = self.run_once()
                outage_s = 0.0
            except DBAPIError as exc:
                outage_s = min(OUTAGE_BACKOFF_MAX_S, max(0.5, outage_s * 2))
                log.warning("database unavailable, retrying in %.1f s: %s", outage_s, exc.orig)
                self.stop.wait(outage_s)
                continue
            if not attempted:
                self.stop.wait(self.settings.webhook_poll_interval_s)
        self.pool.shutdown(wait=True)
