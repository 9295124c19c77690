"""Webhooks end to end on SQLite and PostgreSQL, with a real receiver on loopback: the outbox
written with each change (and never for one that rolled back), signed deliveries of jobs the
preview worker runs, retries with backoff on errors and timeouts, giving up and sending again,
a dispatcher killed mid-delivery, and the address guard at delivery time."""

from __future__ import annotations

import itertools
import signal
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from accounts.models import Role
from core.db import transaction, utcnow
from core.faults import Retry
from core.storage import make_storage
from jobs import queue
from jobs.events import Event
from jobs.models import Job, JobState
from jobs.outbox import OutboxEvent
from jobs.service import cancel_job
from jobs.shares import ShareScope, create_share, revoke_share
from tests.factories import completed_job, make_style, make_user, stored_job
from tests.support.processes import wait_for
from tests.support.webhooks import receiving, start_dispatcher, stop_dispatcher
from webhooks.deliveries import fan_out, prune, send_again
from webhooks.dispatcher import Dispatcher
from webhooks.endpoints import register
from webhooks.metrics import webhook_metrics
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

ALL_EVENTS = [event.value for event in Event]


@pytest.fixture
def hook_settings(settings):
    """Loopback allowed, short waits and backoffs."""
    return settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_connect_timeout_s": 1.0,
            "webhook_read_timeout_s": 0.5,
            "webhook_retry_base_s": 0.2,
            "webhook_retry_cap_s": 1.0,
            "webhook_poll_interval_s": 0.05,
        }
    )


def add_endpoint(session_factory, url, events=ALL_EVENTS, *, allow_private=True):
    with transaction(session_factory) as session:
        admin = make_user(session, role=Role.ADMIN)
        return register(session, user=admin, url=url, events=events, allow_private=allow_private)


def outbox(session_factory) -> list[tuple[Event, int]]:
    with session_factory() as session:
        rows = session.execute(select(OutboxEvent.event, OutboxEvent.subject_id).order_by("id"))
        return [tuple(row) for row in rows]


def deliveries(session_factory) -> list[WebhookDelivery]:
    with session_factory() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def dispatch_until(dispatcher, predicate, timeout_s=20.0, what="deliveries"):
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not reached in {timeout_s}s"
        if not dispatcher.run_once():
            time.sleep(0.05)


def claimed(session_factory, settings, job_id, worker="w1"):
    with transaction(session_factory) as session:
        job = queue.claim(session, worker_id=worker, lease_s=30)
        assert job is not None and job.id == job_id
        return job


def test_each_final_state_and_share_change_writes_one_event(settings, session_factory, engine):
    storage = make_storage(settings)
    with transaction(session_factory) as session:
        user, style = make_user(session), make_style(session)
        jobs = [stored_job(session, storage, user=user, style=style) for _ in range(4)]
        ids = [job.id for job in jobs]
        edit = {"action": "remove", "mask_key": f"jobs/{ids[3]}/edit-mask.png"}
        jobs[3].style_snapshot = {**jobs[3].style_snapshot, "edit": edit}  # an edit's payload

    done = claimed(session_factory, settings, ids[0])
    with transaction(session_factory) as session:
        assert queue.complete(
            session,
            job=done,
            worker_id="w1",
            result_keys=["k"],
            mask_key=None,
            seeds=[1],
            generator="preview",
        )
    failing = claimed(session_factory, settings, ids[1])
    with engine.begin() as connection:  # the worker's Core connection, as in production
        state = queue.fail(
            connection,
            job=failing,
            worker_id="w1",
            error="bad photo",
            retry=Retry.FAIL,
            base_s=0.1,
            cap_s=0.1,
        )
        assert state is JobState.FAILED
    stopping = claimed(session_factory, settings, ids[2])
    with transaction(session_factory) as session:
        assert queue.cancel(session, job=stopping, worker_id="w1")
    with transaction(session_factory) as session:
        cancel_job(session, user=user, job_id=ids[3])
    with transaction(session_factory) as session:
        link, _token = create_share(session, user=user, job_id=ids[0], scope=ShareScope.JOB)
    with transaction(session_factory) as session:
        revoke_share(session, user=user, share_id=link.id)
        revoke_share(session, user=user, share_id=link.id)  # again: no change, no event

    assert outbox(session_factory) == [
        (Event.JOB_COMPLETED, ids[0]),
        (Event.JOB_FAILED, ids[1]),
        (Event.JOB_CANCELLED, ids[2]),
        (Event.JOB_CANCELLED, ids[3]),
        (Event.SHARE_CREATED, link.id),
        (Event.SHARE_REVOKED, link.id),
    ]
    with session_factory() as session:  # in the order written (ids need not start at 1)
        payloads = list(session.scalars(select(OutboxEvent.payload).order_by(OutboxEvent.id)))
    completed, failed = payloads[0], payloads[1]
    assert completed["state"] == "completed" and completed["results"] == 1
    assert completed["api_path"] == f"/api/v1/jobs/{ids[0]}"
    assert completed["mode"] == "stage" and completed["parent_job_id"] is None
    assert completed["edit"] is None and payloads[3]["edit"] == "remove"
    assert completed["style"] == style.name
    assert failed["state"] == "failed" and failed["error"] == "bad photo"
    assert payloads[4]["scope"] == "job" and payloads[4]["revoked_at"] is None
    assert payloads[5]["revoked_at"] is not None
    assert "token" not in str(payloads[4])


def test_no_event_for_a_change_that_rolled_back_or_a_lost_lease(settings, session_factory):
    storage = make_storage(settings)
    with transaction(session_factory) as session:
        job_id = stored_job(session, storage).id
    job = claimed(session_factory, settings, job_id)

    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        assert queue.complete(
            session,
            job=job,
            worker_id="w1",
            result_keys=["k"],
            mask_key=None,
            seeds=[1],
            generator="preview",
        )
        assert outbox(session_factory) == [], "not visible before the commit"
        raise RuntimeError("the commit never happens")
    assert outbox(session_factory) == []

    with transaction(session_factory) as session:  # another worker's write is fenced out
        assert not queue.complete(
            session,
            job=job,
            worker_id="someone-else",
            result_keys=["k"],
            mask_key=None,
            seeds=[1],
            generator="preview",
        )
    assert outbox(session_factory) == []


def test_a_retry_or_release_writes_none_and_a_lost_last_attempt_writes_failed(
    settings, session_factory
):
    storage = make_storage(settings)
    with transaction(session_factory) as session:
        job_id = stored_job(session, storage, max_attempts=2).id
    first = claimed(session_factory, settings, job_id)
    with transaction(session_factory) as session:
        state = queue.fail(
            session,
            job=first,
            worker_id="w1",
            error="flaky",
            retry=Retry.RETRY,
            base_s=0,
            cap_s=0,
        )
        assert state is JobState.PENDING
    second = claimed(session_factory, settings, job_id)
    with transaction(session_factory) as session:
        assert queue.release(session, job=second, worker_id="w1")
    assert outbox(session_factory) == []

    claimed(session_factory, settings, job_id)  # the last attempt; its worker then dies
    with transaction(session_factory) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    with transaction(session_factory) as session:
        reclaimed = queue.claim(session, worker_id="w2", lease_s=30)
        assert reclaimed is not None and reclaimed.state is JobState.FAILED
    assert outbox(session_factory) == [(Event.JOB_FAILED, job_id)]


def test_a_job_the_preview_worker_runs_is_delivered_signed(
    fleet, settings, session_factory, tmp_path
):
    with receiving() as receiver:
        endpoint = add_endpoint(session_factory, receiver.url, ["job.completed"])
        receiver.secret = endpoint.secret
        dispatcher = start_dispatcher(settings, tmp_path / "dispatcher.log")
        try:
            with transaction(session_factory) as session:
                job_id = stored_job(session, make_storage(settings)).id
            fleet.start("w1")
            wait_for(lambda: receiver.received, 60, "a delivery")
        finally:
            assert stop_dispatcher(dispatcher) == 0
    (got,) = receiver.received
    assert got.verified, "the signature verifies with the endpoint's secret"
    assert got.message_id.startswith("msg_")
    assert got.body["type"] == "job.completed"
    assert got.body["data"]["id"] == job_id and got.body["data"]["state"] == "completed"
    assert got.body["data"]["results"] == 1
    assert got.headers["content-type"] == "application/json"
    (delivery,) = deliveries(session_factory)
    assert delivery.state is DeliveryState.DELIVERED and delivery.attempts == 1
    assert delivery.last_status_code == 204 and delivery.last_latency_ms is not None


def test_a_wrong_secret_does_not_verify(settings, session_factory, engine, hook_settings):
    with receiving("whsec_" + "QUJD" * 8) as receiver:
        add_endpoint(session_factory, receiver.url)
        with transaction(session_factory) as session:
            user, style = make_user(session), make_style(session)
        job = completed_job(session_factory, settings, user=user, style=style)
        with transaction(session_factory) as session:
            create_share(session, user=user, job_id=job.id, scope=ShareScope.JOB)
        dispatcher = Dispatcher(hook_settings, engine, threading.Event())
        dispatch_until(dispatcher, lambda: receiver.received)
    assert [r.verified for r in receiver.received] == [False]


def test_retries_on_500_and_on_a_timeout_with_backoff(
    settings, session_factory, engine, hook_settings
):
    with receiving() as receiver:
        receiver.plan, receiver.stall_s = [500, "stall", 503], 5.0
        endpoint = add_endpoint(session_factory, receiver.url)
        receiver.secret = endpoint.secret
        with transaction(session_factory) as session:
            job_id = stored_job(session, make_storage(settings)).id
            cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
        dispatcher = Dispatcher(hook_settings, engine, threading.Event())
        delivered = lambda: deliveries(session_factory)[0].state is DeliveryState.DELIVERED  # noqa: E731
        dispatch_until(dispatcher, lambda: deliveries(session_factory) and delivered())
    received = receiver.received
    assert len(received) == 4 and all(r.verified for r in received)
    assert len({r.message_id for r in received}) == 1, "every attempt carries the same id"
    gaps = [b.at - a.at for a, b in itertools.pairwise(received)]
    # Base 0.2 s, doubling, ±20%; the stalled attempt first waits out its 0.5 s read timeout.
    assert gaps[0] >= 0.2 * 0.8
    assert gaps[1] >= 0.5 + 0.4 * 0.8
    assert gaps[2] >= 0.8 * 0.8
    (delivery,) = deliveries(session_factory)
    assert delivery.attempts == 4 and delivery.last_status_code == 204


def test_gives_up_then_sends_again_with_the_same_id(
    settings, session_factory, engine, hook_settings
):
    quick = hook_settings.model_copy(update={"webhook_give_up_s": 1.0})
    with receiving() as receiver:
        receiver.default = 500
        endpoint = add_endpoint(session_factory, receiver.url)
        receiver.secret = endpoint.secret
        with transaction(session_factory) as session:
            job_id = stored_job(session, make_storage(settings)).id
            cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
        dispatcher = Dispatcher(quick, engine, threading.Event())
        dispatch_until(
            dispatcher,
            lambda: (
                deliveries(session_factory)
                and deliveries(session_factory)[0].state is DeliveryState.FAILED
            ),
        )
        (failed,) = deliveries(session_factory)
        assert failed.attempts >= 2 and failed.last_status_code == 500
        assert not dispatcher.run_once(), "a failed delivery is not tried again by itself"

        receiver.default = 200
        with transaction(session_factory) as session:
            assert send_again(session, endpoint_id=endpoint.id, delivery_id=failed.id, give_up_s=60)
        dispatch_until(
            dispatcher, lambda: deliveries(session_factory)[0].state is DeliveryState.DELIVERED
        )
    ids = receiver.ids()
    assert len(ids) == failed.attempts + 1 and len(set(ids)) == 1


def test_the_guard_refuses_a_loopback_endpoint_at_delivery(
    settings, session_factory, engine, hook_settings
):
    strict = hook_settings.model_copy(update={"webhook_allow_private": False})
    with receiving() as receiver:
        add_endpoint(session_factory, receiver.url)  # registered while it was allowed
        with transaction(session_factory) as session:
            job_id = stored_job(session, make_storage(settings)).id
            cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
        dispatcher = Dispatcher(strict, engine, threading.Event())
        dispatch_until(
            dispatcher,
            lambda: deliveries(session_factory) and deliveries(session_factory)[0].attempts > 0,
        )
    (delivery,) = deliveries(session_factory)
    assert receiver.received == []
    assert delivery.state is DeliveryState.PENDING and delivery.last_status_code is None
    assert "private, loopback or link-local" in delivery.last_error


def test_an_inactive_or_unsubscribed_endpoint_gets_nothing(
    settings, session_factory, engine, hook_settings
):
    with receiving() as receiver:
        add_endpoint(session_factory, receiver.url, ["share.created"])
        off = add_endpoint(session_factory, receiver.url, ALL_EVENTS)
        with transaction(session_factory) as session:
            session.get(WebhookEndpoint, off.id).active = False
            job_id = stored_job(session, make_storage(settings)).id
            cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
        dispatcher = Dispatcher(hook_settings, engine, threading.Event())
        dispatcher.run_once()
    assert deliveries(session_factory) == [] and receiver.received == []
    with session_factory() as session:
        assert (
            session.scalar(select(func.count()).where(OutboxEvent.fanned_out_at.is_not(None))) == 1
        )


def test_a_dispatcher_killed_mid_delivery_sends_again_with_the_same_id(
    settings, session_factory, tmp_path
):
    with receiving() as receiver:
        receiver.plan = ["stall"]
        endpoint = add_endpoint(session_factory, receiver.url)
        receiver.secret = endpoint.secret
        with transaction(session_factory) as session:
            job_id = stored_job(session, make_storage(settings)).id
            cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
        log = tmp_path / "dispatcher.log"
        first = start_dispatcher(settings, log)
        wait_for(lambda: receiver.received, 30, "the first attempt")
        first.send_signal(signal.SIGKILL)
        first.wait()
        receiver.release.set()
        second = start_dispatcher(settings, log)
        try:
            wait_for(lambda: len(receiver.received) == 2, 30, "the attempt after the kill")
            wait_for(
                lambda: deliveries(session_factory)[0].state is DeliveryState.DELIVERED,
                10,
                "the delivery recorded",
            )
        finally:
            assert stop_dispatcher(second) == 0
    first_try, second_try = receiver.received
    assert first_try.message_id == second_try.message_id
    assert first_try.verified and second_try.verified
    assert first_try.body == second_try.body
    (delivery,) = deliveries(session_factory)
    assert delivery.attempts == 2


def test_old_events_go_with_their_deliveries_but_not_while_one_is_pending(session_factory, engine):
    endpoint = add_endpoint(session_factory, "https://93.184.215.14/hooks")
    old = utcnow() - timedelta(days=31)
    with transaction(session_factory) as session:
        events = [
            OutboxEvent(event=Event.JOB_FAILED, subject_id=n, payload={}, created_at=at)
            for n, at in enumerate([old, old, utcnow()])
        ]
        session.add_all(events)
    with transaction(session_factory) as session:
        fan_out(session, give_up_s=60)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.event_id != events[1].id)
            .values(state=DeliveryState.DELIVERED)
        )
    with transaction(session_factory) as session:
        assert prune(session, older_than_s=30 * 86400) == 1
    assert [subject for _, subject in outbox(session_factory)] == [1, 2]
    assert [d.event_id for d in deliveries(session_factory)] == [events[1].id, events[2].id]
    assert all(d.endpoint_id == endpoint.id for d in deliveries(session_factory))


def scrape(session_factory) -> dict[tuple[str, tuple], float]:
    with session_factory() as session:
        return {
            (sample.name, tuple(sample.labels.items())): sample.value
            for family in webhook_metrics(session)
            for sample in family.samples
        }


def test_metrics_show_the_backlog_a_stopped_dispatcher_leaves(settings, session_factory):
    add_endpoint(session_factory, "https://93.184.215.14/hooks")
    with transaction(session_factory) as session:
        job_id = stored_job(session, make_storage(settings)).id
        cancel_job(session, user=make_user(session, role=Role.ADMIN), job_id=job_id)
    m = scrape(session_factory)
    assert m[("stagewright_webhook_events_waiting", ())] == 1
    assert m[("stagewright_webhook_deliveries", (("state", "pending"),))] == 0

    with transaction(session_factory) as session:
        fan_out(session, give_up_s=60)
        session.execute(
            update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=90))
        )
    m = scrape(session_factory)
    assert m[("stagewright_webhook_events_waiting", ())] == 0
    assert m[("stagewright_webhook_deliveries", (("state", "pending"),))] == 1
    assert m[("stagewright_webhook_deliveries", (("state", "failed"),))] == 0
    assert 85 <= m[("stagewright_webhook_oldest_due_seconds", ())] < 200
