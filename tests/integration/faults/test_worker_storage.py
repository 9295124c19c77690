"""The worker while storage refuses, stalls or is full: bounded calls, the lease kept, and the
job postponed without using up an attempt."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from core.storage import job_result_key, make_storage
from jobs.models import Job, JobState
from tests.support.disk import full_disk
from tests.support.faults import add_job, load, r2_through, timed_run
from tests.support.processes import wait_for
from tests.support.tcpproxy import PASS, REFUSE, STALL
from worker.generators.preview import PreviewGenerator


def watch_lease(factory, job_id: int, until: threading.Event) -> list[bool]:
    """Samples, until `until` is set, whether the running job's lease has run out."""
    expired: list[bool] = []

    def watch() -> None:
        while not until.wait(0.1):
            with factory() as session:
                job = session.get(Job, job_id)
                now = session.scalar(select(func.now()))
                if job.state is JobState.RUNNING:
                    expired.append(job.lease_expires_at < now)

    threading.Thread(target=watch, daemon=True).start()
    return expired


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("mode", [REFUSE, STALL])
@pytest.mark.parametrize("phase", ["download", "upload"])
def test_storage_refused_or_stalled_postpones_the_job_in_bounded_time(
    s3_proxy, engine, session_factory, settings, workers, mode, phase
):
    proxy, bucket = s3_proxy
    update = {"lease_s": 3, "progress_interval_s": 0.05}
    settings = r2_through(proxy, bucket, settings).model_copy(update=update)
    job_id = add_job(settings, session_factory, max_attempts=1)
    worker = workers.make(settings, engine, generator=PreviewGenerator(step_delay_s=0.05))
    if phase == "download":
        proxy.set(mode)
    done = threading.Event()
    expired = watch_lease(session_factory, job_id, done)
    thread, took = timed_run(worker)
    if phase == "upload":
        wait_for(lambda: load(session_factory, job_id).progress > 0, what="generation")
        proxy.set(mode)
    thread.join(timeout=60)
    done.set()
    # One call given up after R2_CALL_TIMEOUT_S (botocore alone retries for far longer).
    assert took[0] < settings.r2_call_timeout_s + 2.5, took
    assert not any(expired), "the lease ran out while the worker was waiting for storage"
    job = load(session_factory, job_id)
    assert (job.state, job.attempt) == (JobState.PENDING, 0)
    assert job.errors[0]["error"].startswith("storage unavailable: R2 ")

    proxy.set(PASS)
    wait_for(lambda: worker.run_once(), timeout_s=10, what="a claim after the backoff")
    job = load(session_factory, job_id)
    assert (job.state, job.attempt) == (JobState.COMPLETED, 1)
    assert make_storage(settings).get(job_result_key(job_id, 1, 1))


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_full_disk_postpones_the_job_without_using_an_attempt(
    settings, engine, session_factory, workers, tmp_path
):
    with full_disk(tmp_path) as disk:
        settings = settings.model_copy(update={"local_storage_dir": disk.root})
        job_id = add_job(settings, session_factory, max_attempts=1)
        disk.fill()
        worker = workers.make(settings, engine)
        assert worker.run_once()
        job = load(session_factory, job_id)
        assert (job.state, job.attempt) == (JobState.PENDING, 0)
        assert job.errors[0]["error"].startswith("storage unavailable: cannot write")
        disk.free()
        wait_for(lambda: worker.run_once(), timeout_s=10, what="a claim after the backoff")
        assert load(session_factory, job_id).state is JobState.COMPLETED
