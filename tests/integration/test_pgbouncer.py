"""Real workers through a real PgBouncer in transaction-pooling mode: claim, heartbeat, finish."""

from __future__ import annotations

import contextlib

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.db import make_engine, transaction
from core.db_timeouts import DatabaseTimeouts
from core.storage import make_storage
from jobs import queue
from jobs.models import Job, JobState
from jobs.notify import notify_job_available
from tests.factories import insert_jobs, make_style, make_user, stored_job
from tests.support.pgbouncer import throwaway_pgbouncer
from tests.support.processes import wait_for
from worker.connection import DedicatedConnection
from worker.wakeup import libpq_url

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)]
POOL = 2


@pytest.fixture
def pooled(db_url):
    with throwaway_pgbouncer(db_url, pool_size=POOL) as url:
        yield url


def completed(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).where(Job.state == JobState.COMPLETED))


def claims_failing_on_prepared_statements(url: str, *, pooled: bool) -> int:
    """Run 12 claims, each on the other of PgBouncer's two server connections."""
    engine = make_engine(url, pooled=pooled)
    db = DedicatedConnection(engine)
    failures = 0
    try:
        with psycopg.connect(libpq_url(url), autocommit=True) as holder:
            for n in range(12):  # psycopg prepares a statement on its 5th run
                with holder.transaction() if n % 2 else contextlib.nullcontext():
                    if n % 2:  # holds the server connection the last claim ran on
                        holder.execute("SELECT 1", prepare=False)
                    try:
                        db.transaction(lambda c: queue.claim(c, worker_id="y", lease_s=5))
                    except DBAPIError as exc:
                        assert "prepared statement" in str(exc), exc
                        failures += 1
    finally:
        db.close()
        engine.dispose()
    return failures


def test_statements_prepared_by_psycopg_break_without_database_pooled(engine, pooled):
    """Why DATABASE_POOLED exists: each transaction may run on another server connection."""
    assert claims_failing_on_prepared_statements(pooled, pooled=False) > 0
    assert claims_failing_on_prepared_statements(pooled, pooled=True) == 0


def test_statement_timeout_goes_only_to_direct_connections(db_url):
    """A PgBouncer that ignores no `options` refuses the connection that sends one: the
    statement_timeout goes direct only; the other bounds are client-side and pass."""
    timeouts = DatabaseTimeouts(statement_s=7)
    show = text("SHOW statement_timeout")
    with throwaway_pgbouncer(db_url, pool_size=1, ignore_startup_parameters="") as strict:
        for url, pooled, expected in [(db_url, False, "7s"), (strict, True, "0")]:
            engine = make_engine(url, pooled=pooled, timeouts=timeouts)
            try:
                with engine.connect() as conn:
                    assert conn.scalar(show) == expected
            finally:
                engine.dispose()
        with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
            psycopg.connect(libpq_url(strict), options="-c statement_timeout=7000").close()


def backends(db_url: str) -> int:
    """Server connections to the test database, this one aside."""
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return row[0]


def test_workers_behind_pgbouncer_complete_every_job_once(
    fleet, settings, session_factory, pooled, db_url
):
    env = {
        "DATABASE_URL": pooled,
        "DATABASE_POOLED": "true",
        "DATABASE_LISTEN_URL": db_url,
        "POLL_INTERVAL_S": "30",
        "PREVIEW_STEP_DELAY_S": "0.01",
    }
    with transaction(session_factory) as session:
        user, style = make_user(session, password_hash="x"), make_style(session)
        insert_jobs(session, make_storage(settings), 12, user=user, style=style)
    before = backends(db_url)  # this test's own connections
    for n in range(4):
        fleet.start(f"w{n}", **env)
    wait_for(lambda: completed(session_factory) == 12, what="12 jobs through PgBouncer")
    # Idle now, the fleet is woken by NOTIFY through its one pod listener (poll is 30 s).
    with transaction(session_factory) as session:
        job_id = stored_job(session, make_storage(settings)).id
        notify_job_available(session)
    wait_for(lambda: completed(session_factory) == 13, timeout_s=20, what="NOTIFY pickup")
    assert backends(db_url) - before <= POOL + 1  # PgBouncer's pool, the pod's listener
    assert set(fleet.stop().values()) == {0}
    with session_factory() as session:
        jobs = session.scalars(select(Job)).all()
    assert {job.state for job in jobs} == {JobState.COMPLETED}
    assert all(job.attempt == 1 for job in jobs) and job_id in {job.id for job in jobs}


def test_one_connection_a_worker_and_one_listener_a_pod(fleet, settings, session_factory, db_url):
    """Direct to PostgreSQL: claims, heartbeats and finishes share each worker's one connection."""
    before = backends(db_url)
    for n in range(3):
        fleet.start(f"w{n}", PREVIEW_STEP_DELAY_S="0.3", POLL_INTERVAL_S="30")
    with transaction(session_factory) as session:
        user, style = make_user(session, password_hash="x"), make_style(session)
        insert_jobs(session, make_storage(settings), 3, user=user, style=style)
        notify_job_available(session)
    wait_for(lambda: running(session_factory) == 3, timeout_s=30, what="three jobs running")
    assert backends(db_url) - before == 3 + 1  # three workers, mid-job, and the listener
    assert set(fleet.stop().values()) == {0}


def running(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).where(Job.state == JobState.RUNNING))
