"""The webhook dispatcher while PostgreSQL restarts: a delivery in flight when the server stops
is sent again with the same id once it is back, and events made after the restart go out."""

from __future__ import annotations

import time

from sqlalchemy import select

from accounts.models import Role
from core.db import transaction
from core.storage import make_storage
from jobs.service import cancel_job
from tests.factories import make_user, stored_job
from tests.support.processes import wait_for
from tests.support.webhooks import receiving, start_dispatcher, stop_dispatcher
from webhooks.endpoints import register
from webhooks.models import DeliveryState, WebhookDelivery


def cancelled_job(settings, factory) -> int:
    with transaction(factory) as session:
        job_id = stored_job(session, make_storage(settings)).id
        cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
    return job_id


def states(factory) -> list[DeliveryState]:
    with factory() as session:
        return list(session.scalars(select(WebhookDelivery.state).order_by(WebhookDelivery.id)))


def test_a_restart_mid_delivery_loses_no_event(cluster, cluster_factory, fault_settings, tmp_path):
    with receiving() as receiver:
        receiver.plan = ["stall"]
        with transaction(cluster_factory) as session:
            admin = make_user(session, role=Role.ADMIN)
            endpoint = register(
                session, user=admin, url=receiver.url, events=["job.cancelled"], allow_private=True
            )
        receiver.secret = endpoint.secret
        first_job = cancelled_job(fault_settings, cluster_factory)
        log = tmp_path / "dispatcher.log"
        dispatcher = start_dispatcher(fault_settings, log)
        try:
            wait_for(lambda: receiver.received, 30, "the first attempt")
            cluster.stop()
            receiver.release.set()  # answered, but the outcome cannot be recorded
            time.sleep(2)
            assert dispatcher.poll() is None, "the dispatcher waits the outage out"
            cluster.start()
            wait_for(lambda: len(receiver.received) == 2, 30, "the attempt after the restart")
            second_job = cancelled_job(fault_settings, cluster_factory)
            wait_for(
                lambda: states(cluster_factory) == [DeliveryState.DELIVERED] * 2,
                30,
                "both deliveries recorded",
            )
        finally:
            assert stop_dispatcher(dispatcher) == 0
    received = receiver.received
    assert all(r.verified for r in received)
    assert received[0].message_id == received[1].message_id
    assert [r.body["data"]["id"] for r in received] == [first_job, first_job, second_job]
    assert "database unavailable" in log.read_text()
