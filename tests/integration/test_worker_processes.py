"""Real `python worker.py` processes: many workers, SIGKILL, SIGTERM, NOTIFY, schema check."""

from __future__ import annotations

import collections
import signal
import time

import pytest
from sqlalchemy import func, select

from core.db import transaction
from core.settings import Settings
from core.storage import make_storage
from core.version import __version__
from jobs.models import Job, JobState, WorkerRecord
from jobs.notify import notify_job_available
from tests.factories import insert_jobs, make_style, make_user, stored_job
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow


def count_states(session_factory) -> dict[JobState, int]:
    with session_factory() as session:
        rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return dict(rows)


def job_state(session_factory, job_id) -> Job:
    with session_factory() as session:
        return session.get(Job, job_id)


def add_jobs(settings, session_factory, count: int) -> list[int]:
    with transaction(session_factory) as session:
        user, style = make_user(session, password_hash="x"), make_style(session)
        return insert_jobs(session, make_storage(settings), count, user=user, style=style)


def run_many(fleet, settings, session_factory, *, workers: int, jobs: int) -> None:
    """Every job completed exactly once by the whole fleet; none lost, none claimed twice."""
    job_ids = add_jobs(settings, session_factory, jobs)
    for n in range(workers):
        fleet.start(f"w{n}")
    wait_for(
        lambda: count_states(session_factory).get(JobState.COMPLETED) == jobs,
        what=f"{jobs} completed jobs",
    )
    assert set(fleet.stop().values()) == {0}
    with session_factory() as session:
        jobs_rows = session.scalars(select(Job)).all()
        assert session.scalar(select(func.count()).select_from(WorkerRecord)) == 0
    assert sorted(job.id for job in jobs_rows) == job_ids
    assert all(job.state is JobState.COMPLETED and job.attempt == 1 for job in jobs_rows)
    assert all(job.errors == [] and len(job.result_keys) == 1 for job in jobs_rows)
    claims = collections.Counter(
        line["job_id"]
        for n in range(workers)
        for line in fleet.log_lines(f"w{n}")
        if line["msg"].startswith("job claimed")
    )
    assert sorted(claims) == job_ids and set(claims.values()) == {1}
    assert (
        len({line["worker_id"] for n in range(workers) for line in fleet.log_lines(f"w{n}")})
        == workers
    )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_eight_workers_complete_each_job_exactly_once_on_postgresql(
    fleet, settings, session_factory
):
    run_many(fleet, settings, session_factory, workers=8, jobs=8 * 500)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_two_workers_share_the_queue_on_sqlite(fleet, settings, session_factory):
    run_many(fleet, settings, session_factory, workers=2, jobs=50)


def test_killed_worker_job_is_completed_by_another_after_the_lease(
    fleet, settings, session_factory
):
    job_id = add_jobs(settings, session_factory, 1)[0]
    doomed = fleet.start("doomed", LEASE_S=3, PREVIEW_STEP_DELAY_S=2)
    wait_for(lambda: job_state(session_factory, job_id).locked_by == "doomed", what="claim")
    doomed.kill()
    doomed.wait()
    fleet.start("rescuer", LEASE_S=3)
    wait_for(lambda: job_state(session_factory, job_id).state is JobState.COMPLETED, what="rescue")
    job = job_state(session_factory, job_id)
    assert job.attempt == 2 and [e["attempt"] for e in job.errors] == [1]
    assert "lease expired" in job.errors[0]["error"]
    assert any(line.get("job_id") == job_id for line in fleet.log_lines("rescuer"))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_killed_worker_job_is_recovered_within_30s_with_default_settings(
    fleet, settings, session_factory
):
    defaults = Settings(_env_file=None)
    default = {"LEASE_S": defaults.lease_s, "POLL_INTERVAL_S": defaults.poll_interval_s}
    job_id = add_jobs(settings, session_factory, 1)[0]
    doomed = fleet.start("doomed", PREVIEW_STEP_DELAY_S=5, **default)
    wait_for(lambda: job_state(session_factory, job_id).locked_by == "doomed", what="claim")
    fleet.start("rescuer", PREVIEW_STEP_DELAY_S=0, **default)
    doomed.kill()
    killed_at = time.monotonic()
    wait_for(
        lambda: job_state(session_factory, job_id).state is JobState.COMPLETED,
        timeout_s=40,
        what="rescue",
    )
    assert time.monotonic() - killed_at <= 30
    assert job_state(session_factory, job_id).attempt == 2


@pytest.mark.parametrize(("grace_s", "final"), [(30, JobState.COMPLETED), (0, JobState.PENDING)])
def test_sigterm_finishes_within_grace_or_releases(
    fleet, settings, session_factory, grace_s, final
):
    job_id = add_jobs(settings, session_factory, 1)[0]
    fleet.start("w", PREVIEW_STEP_DELAY_S=0.4, SHUTDOWN_GRACE_S=grace_s)
    wait_for(lambda: job_state(session_factory, job_id).state is JobState.RUNNING, what="claim")
    assert fleet.stop(signal.SIGTERM) == {"w": 0}
    job = job_state(session_factory, job_id)
    assert job.state is final and job.errors == []
    assert job.attempt == (1 if final is JobState.COMPLETED else 0)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_sigterm_during_a_slow_step_exits_within_a_second_of_the_grace(
    fleet, settings, session_factory
):
    job_id = add_jobs(settings, session_factory, 1)[0]
    grace_s, step_s = 1.0, 4.0
    proc = fleet.start("w", PREVIEW_STEP_DELAY_S=step_s, SHUTDOWN_GRACE_S=grace_s)
    wait_for(lambda: job_state(session_factory, job_id).progress > 0, what="a first step")
    time.sleep(0.3)  # inside the next step, which ends long after the grace
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    took = time.monotonic() - signalled
    assert took <= grace_s + 1, took
    job = job_state(session_factory, job_id)
    assert (job.state, job.attempt, job.errors, job.locked_by) == (JobState.PENDING, 0, [], None)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(WorkerRecord)) == 0
    assert any(
        line["msg"].startswith("grace over and the worker still busy")
        for line in fleet.log_lines("w")
    )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_notify_wakes_an_idle_worker_with_a_long_poll_interval(fleet, settings, session_factory):
    fleet.start("listener", POLL_INTERVAL_S=60)
    wait_for(
        lambda: any("listening" in line["msg"] for line in fleet.log_lines("listener")),
        what="LISTEN",
    )
    with transaction(session_factory) as session:
        job_id = stored_job(session, make_storage(settings)).id
        notify_job_available(session)
    # Polling alone would take 60 s; the job completes long before this wait could run out.
    wait_for(
        lambda: job_state(session_factory, job_id).state is JobState.COMPLETED,
        timeout_s=30,
        what="NOTIFY wake-up",
    )


def test_fleet_row_while_running_and_liveness_file(fleet, settings, session_factory, tmp_path):
    proc = fleet.start("pod-7")
    wait_for(lambda: (tmp_path / "pod-7.alive").exists(), what="liveness file")
    with session_factory() as session:
        record = session.get(WorkerRecord, "pod-7")
    assert (record.pid, record.generator, record.version) == (proc.pid, "preview", __version__)
    assert fleet.stop() == {"pod-7": 0}
    with session_factory() as session:
        assert session.get(WorkerRecord, "pod-7") is None


def test_refuses_to_start_on_a_schema_not_at_head(fleet, settings, tmp_path):
    settings.database_url = f"sqlite:///{tmp_path / 'empty.db'}"
    proc = fleet.start("early")
    assert proc.wait(timeout=60) == 2
    errors = [line for line in fleet.log_lines("early") if line["level"] == "error"]
    assert "refusing to start" in errors[0]["msg"] and "alembic upgrade head" in errors[0]["msg"]
