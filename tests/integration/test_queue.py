"""The queue operations of jobs/queue.py: every transition, claim order, leases and fencing."""

from __future__ import annotations

import random
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import update

from core.db import transaction, utcnow
from core.faults import Retry
from jobs import queue
from jobs import service as jobs_service
from jobs.models import Job, JobState
from jobs.notify import CHANNEL
from tests.factories import make_job, make_style, make_user
from worker.wakeup import libpq_url

LEASE_S = 30


@pytest.fixture
def owner(session_factory):
    """A user and a style to hang jobs on."""
    with transaction(session_factory) as session:
        user = make_user(session, password_hash="x")
        style = make_style(session)
    return user, style


def add_job(session_factory, owner, **fields) -> int:
    user, style = owner
    with transaction(session_factory) as session:
        return make_job(session, user=user, style=style, **fields).id


def claim(session_factory, worker_id="w1", lease_s=LEASE_S):
    with transaction(session_factory) as session:
        return queue.claim(session, worker_id=worker_id, lease_s=lease_s)


def load(session_factory, job_id) -> Job:
    with session_factory() as session:
        return session.get(Job, job_id)


def set_fields(session_factory, job_id, **values) -> None:
    with transaction(session_factory) as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def fail(session_factory, job, worker_id="w1", *, retry=Retry.RETRY):
    with transaction(session_factory) as session:
        return queue.fail(
            session,
            job=job,
            worker_id=worker_id,
            error="boom",
            retry=retry,
            base_s=10,
            cap_s=60,
        )


def test_claim_sets_running_with_a_lease(session_factory, owner):
    job_id = add_job(session_factory, owner)
    before = utcnow()
    job = claim(session_factory)
    assert (job.id, job.state, job.attempt, job.locked_by) == (job_id, JobState.RUNNING, 1, "w1")
    assert job.stage == queue.STARTING_STAGE
    assert job.lease_expires_at > before + timedelta(seconds=LEASE_S - 5)
    assert job.started_at is not None
    assert claim(session_factory, "w2") is None


def test_claim_order_is_priority_then_the_oldest_runnable_job(session_factory, owner):
    """A retried job whose backoff is over goes before jobs queued after it (not behind them)."""
    now = utcnow()
    retried = add_job(session_factory, owner, priority=100, run_after=now - timedelta(seconds=1))
    queued = add_job(session_factory, owner, priority=100, run_after=now - timedelta(seconds=60))
    urgent = add_job(session_factory, owner, priority=10, run_after=now)
    tie_a = add_job(session_factory, owner, priority=200, run_after=now - timedelta(seconds=5))
    tie_b = add_job(session_factory, owner, priority=200, run_after=now - timedelta(seconds=5))
    future = add_job(session_factory, owner, priority=1, run_after=now + timedelta(hours=1))
    order = [claim(session_factory).id for _ in range(5)]
    assert order == [urgent, retried, queued, tie_a, tie_b]
    assert claim(session_factory) is None
    assert load(session_factory, future).state is JobState.PENDING


def test_complete_is_fenced_and_clears_the_lock(session_factory, owner):
    add_job(session_factory, owner)
    job = claim(session_factory)
    values = dict(result_keys=["k1"], mask_key="m", seeds=[7], generator="preview")
    with transaction(session_factory) as session:
        assert not queue.complete(session, job=job, worker_id="intruder", **values)
    with transaction(session_factory) as session:
        assert queue.complete(session, job=job, worker_id="w1", **values)
    done = load(session_factory, job.id)
    assert done.state is JobState.COMPLETED
    assert (done.result_keys, done.mask_key, done.result_seeds) == (["k1"], "m", [7])
    assert (done.progress, done.locked_by, done.lease_expires_at) == (100, None, None)
    assert done.finished_at is not None and done.generator == "preview"
    with transaction(session_factory) as session:
        assert not queue.complete(session, job=job, worker_id="w1", **values)


def test_retry_backs_off_then_fails_after_max_attempts(session_factory, owner):
    job_id = add_job(session_factory, owner, max_attempts=2)
    job = claim(session_factory)
    started = utcnow()
    assert fail(session_factory, job) is JobState.PENDING
    retried = load(session_factory, job_id)
    assert retried.locked_by is None and retried.attempt == 1
    # Attempt 1: base 10 s +/- 20%.
    assert started + timedelta(seconds=7) < retried.run_after < utcnow() + timedelta(seconds=13)
    assert claim(session_factory) is None

    set_fields(session_factory, job_id, run_after=utcnow() - timedelta(seconds=1))
    job = claim(session_factory)
    assert job.attempt == 2
    assert fail(session_factory, job) is JobState.FAILED
    failed = load(session_factory, job_id)
    assert failed.state is JobState.FAILED and failed.finished_at is not None
    assert [e["attempt"] for e in failed.errors] == [1, 2]
    assert all(e["error"] == "boom" and e["at"] for e in failed.errors)


def test_bad_input_fails_at_once(session_factory, owner):
    add_job(session_factory, owner, max_attempts=5)
    job = claim(session_factory)
    assert fail(session_factory, job, retry=Retry.FAIL) is JobState.FAILED
    failed = load(session_factory, job.id)
    assert failed.state is JobState.FAILED and failed.attempt == 1 and len(failed.errors) == 1


def test_postponed_job_keeps_its_attempts_and_backs_off_longer_each_time(session_factory, owner):
    job_id = add_job(session_factory, owner, max_attempts=1)
    delays = []
    for _ in range(3):
        set_fields(session_factory, job_id, run_after=utcnow())
        job = claim(session_factory)
        assert fail(session_factory, job, retry=Retry.POSTPONE) is JobState.PENDING
        postponed = load(session_factory, job_id)
        delays.append((postponed.run_after - utcnow()).total_seconds())
    assert (postponed.state, postponed.attempt, len(postponed.errors)) == (JobState.PENDING, 0, 3)
    assert delays[0] < 13 and 14 < delays[1] < 25 and delays[2] > 30  # base 10 s, +/- 20%


def test_a_postponed_job_keeps_its_last_errors_and_counts_the_dropped(session_factory, owner):
    job_id = add_job(session_factory, owner, max_attempts=1)
    total = queue.MAX_ERRORS_KEPT + 5
    for number in range(total):
        set_fields(session_factory, job_id, run_after=utcnow())
        job = claim(session_factory)
        with transaction(session_factory) as session:
            state = queue.fail(
                session,
                job=job,
                worker_id="w1",
                error=f"outage {number}",
                retry=Retry.POSTPONE,
                base_s=0,
                cap_s=0,
            )
        assert state is JobState.PENDING
    postponed = load(session_factory, job_id)
    assert postponed.errors_dropped == 5
    assert [e["error"] for e in postponed.errors] == [f"outage {n}" for n in range(5, total)]
    assert (postponed.attempt, postponed.claims) == (0, total)


def history(session_factory, job_id) -> list[tuple]:
    with session_factory() as session:
        return [
            (c.claim, c.worker_id, c.attempt, c.reclaimed)
            for c in jobs_service.claim_history(session, job_id)
        ]


def test_a_re_claim_by_the_same_worker_is_recorded_and_fences_out_the_earlier_claim(
    session_factory, owner
):
    job_id = add_job(session_factory, owner)
    first = claim(session_factory, "w1")
    set_fields(session_factory, job_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    second = claim(session_factory, "w1")
    assert (second.id, second.locked_by, second.claims) == (job_id, "w1", first.claims + 1)
    assert history(session_factory, job_id) == [(1, "w1", 1, False), (2, "w1", 2, True)]
    values = dict(result_keys=["old"], mask_key=None, seeds=[1], generator="preview")
    with transaction(session_factory) as session:
        assert (
            queue.heartbeat(
                session,
                job_id=job_id,
                claim=first.claims,
                worker_id="w1",
                lease_s=30,
                progress=50,
                stage="x",
            )
            is None
        )
        assert not queue.complete(session, job=first, worker_id="w1", **values)
        assert not queue.release(session, job=first, worker_id="w1")
        assert queue.complete(
            session, job=second, worker_id="w1", **{**values, "result_keys": ["new"]}
        )
    assert load(session_factory, job_id).result_keys == ["new"]


def test_a_claim_given_back_and_taken_again_is_a_new_claim(session_factory, owner):
    """A release gives the attempt back, so the attempt number repeats: the claim does not."""
    job_id = add_job(session_factory, owner)
    first = claim(session_factory, "w1")
    with transaction(session_factory) as session:
        assert queue.release(session, job=first, worker_id="w1")
    again = claim(session_factory, "w1")
    assert (again.attempt, again.claims) == (first.attempt, 2)
    with transaction(session_factory) as session:
        assert not queue.cancel(session, job=first, worker_id="w1")
    assert load(session_factory, job_id).state is JobState.RUNNING
    assert history(session_factory, job_id) == [(1, "w1", 1, False), (2, "w1", 1, False)]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("end", ["release", "retry", "postpone"])
def test_release_and_retry_wake_the_listeners(session_factory, owner, settings, end):
    add_job(session_factory, owner)
    job = claim(session_factory)
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        with transaction(session_factory) as session:
            if end == "release":
                assert queue.release(session, job=job, worker_id="w1")
            else:
                retry = Retry.RETRY if end == "retry" else Retry.POSTPONE
                state = queue.fail(
                    session, job=job, worker_id="w1", error="x", retry=retry, base_s=0, cap_s=0
                )
                assert state is JobState.PENDING
        assert len(list(listener.notifies(timeout=5, stop_after=1))) == 1


def test_stale_owner_cannot_fail_cancel_or_release(session_factory, owner):
    add_job(session_factory, owner)
    job = claim(session_factory)
    assert fail(session_factory, job, "w2") is None
    with transaction(session_factory) as session:
        assert not queue.cancel(session, job=job, worker_id="w2")
        assert not queue.release(session, job=job, worker_id="w2")
    unchanged = load(session_factory, job.id)
    assert (unchanged.state, unchanged.locked_by, unchanged.errors) == (JobState.RUNNING, "w1", [])


def test_expired_lease_is_reclaimed_by_another_worker(session_factory, owner):
    job_id = add_job(session_factory, owner)
    first = claim(session_factory, "w1", lease_s=30)
    assert claim(session_factory, "w2") is None
    set_fields(session_factory, job_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    second = claim(session_factory, "w2")
    assert (second.id, second.locked_by, second.attempt) == (job_id, "w2", 2)
    assert second.state is JobState.RUNNING and second.stage == queue.RECLAIMED_STAGE
    assert [(e["attempt"], e["error"]) for e in second.errors] == [(1, queue.LEASE_LOST_ERROR)]
    # The old owner is fenced out of every write, and its heartbeat sees the loss.
    with transaction(session_factory) as session:
        assert (
            queue.heartbeat(
                session,
                job_id=job_id,
                claim=first.claims,
                worker_id="w1",
                lease_s=30,
                progress=50,
                stage="x",
            )
            is None
        )
        assert not queue.complete(
            session,
            job=first,
            worker_id="w1",
            result_keys=[],
            mask_key=None,
            seeds=[],
            generator="",
        )
    assert load(session_factory, job_id).progress == 0


def test_reclaimed_job_out_of_attempts_fails(session_factory, owner):
    job_id = add_job(session_factory, owner, max_attempts=1)
    claim(session_factory, "w1")
    set_fields(session_factory, job_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    job = claim(session_factory, "w2")
    assert job.state is JobState.FAILED and job.attempt == 1 and job.locked_by is None
    assert job.errors[0]["error"] == queue.LEASE_LOST_ERROR
    assert load(session_factory, job_id).state is JobState.FAILED


def test_expired_lease_goes_before_pending_jobs(session_factory, owner):
    running = add_job(session_factory, owner)
    claim(session_factory, "w1")
    add_job(session_factory, owner, priority=1)
    set_fields(session_factory, running, lease_expires_at=utcnow() - timedelta(seconds=1))
    assert claim(session_factory, "w2").id == running


def test_heartbeat_extends_lease_saves_progress_and_reports_cancel(session_factory, owner):
    job_id = add_job(session_factory, owner)
    job = claim(session_factory, lease_s=5)
    with transaction(session_factory) as session:
        beat = queue.heartbeat(
            session,
            job_id=job_id,
            claim=job.claims,
            worker_id="w1",
            lease_s=600,
            progress=140,
            stage="Step 3",
        )
    assert beat == queue.Beat(cancel_requested=False)
    saved = load(session_factory, job_id)
    assert (saved.progress, saved.stage) == (100, "Step 3")
    assert saved.lease_expires_at > job.lease_expires_at + timedelta(seconds=500)
    set_fields(session_factory, job_id, cancel_requested_at=utcnow())
    with transaction(session_factory) as session:
        beat = queue.heartbeat(
            session,
            job_id=job_id,
            claim=job.claims,
            worker_id="w1",
            lease_s=600,
            progress=5,
            stage="Step 4",
        )
    assert beat.cancel_requested


def test_cancel_running_job(session_factory, owner):
    add_job(session_factory, owner)
    job = claim(session_factory)
    with transaction(session_factory) as session:
        assert queue.cancel(session, job=job, worker_id="w1")
    cancelled = load(session_factory, job.id)
    assert cancelled.state is JobState.CANCELLED and cancelled.result_keys == []
    assert cancelled.finished_at is not None and cancelled.locked_by is None


def test_release_gives_the_attempt_back(session_factory, owner):
    job_id = add_job(session_factory, owner)
    job = claim(session_factory)
    with transaction(session_factory) as session:
        assert queue.release(session, job=job, worker_id="w1")
    released = load(session_factory, job_id)
    assert (released.state, released.attempt, released.errors) == (JobState.PENDING, 0, [])
    assert released.locked_by is None
    again = claim(session_factory, "w2")
    assert (again.id, again.attempt, again.errors) == (job_id, 1, [])


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 10])
def test_backoff_grows_is_capped_and_jittered(attempt):
    rng = random.Random(attempt)
    delays = [queue.backoff_s(attempt, base_s=5, cap_s=30, rng=rng) for _ in range(200)]
    nominal = min(30, 5 * 2 ** (attempt - 1))
    assert nominal * 0.8 <= min(delays) and max(delays) <= nominal * 1.2
    assert max(delays) - min(delays) > nominal * 0.2  # the jitter really spreads them
