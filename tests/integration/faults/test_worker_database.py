"""The worker while PostgreSQL restarts or is cut off: no lost attempt, no changed result."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from PIL import Image
from sqlalchemy import select, update

from core.db import make_engine, transaction, utcnow
from core.storage import attempt_prefix, job_result_key, make_storage
from jobs.events import Event
from jobs.models import Job, JobState
from jobs.outbox import OutboxEvent
from jobs.retention import RetentionReport, purge_orphaned_attempts
from tests.support.faults import add_job, load, proxied_url, timed_run
from tests.support.processes import wait_for
from tests.support.tcpproxy import REFUSE, tcp_proxy
from worker.generators.base import GenerationResult
from worker.generators.preview import PreviewGenerator


class HeldGenerator(PreviewGenerator):
    """Holds its finished images until released, painted red: a slow worker's different output."""

    def __init__(self) -> None:
        super().__init__(step_delay_s=0)
        self.generated, self.release = threading.Event(), threading.Event()

    def generate(self, request, on_progress, should_stop) -> GenerationResult:
        result = super().generate(request, on_progress, should_stop)
        self.generated.set()
        assert self.release.wait(30)
        red = [Image.new("RGB", image.size, "red") for image in result.images]
        return GenerationResult(images=red, seeds=result.seeds, mask=result.mask)


def test_a_restart_during_the_finishing_write_costs_no_attempt(
    cluster, cluster_engine, cluster_factory, fault_settings, workers, caplog
):
    settings = fault_settings.model_copy(update={"lease_s": 8})
    job_id = add_job(settings, cluster_factory, max_attempts=1)
    generator = HeldGenerator()
    thread, took = timed_run(workers.make(settings, cluster_engine, generator=generator))
    assert generator.generated.wait(30)
    cluster.stop()
    generator.release.set()
    job_dir = settings.local_storage_dir / "jobs" / str(job_id)
    wait_for(lambda: any(job_dir.rglob("result-1.jpg")), timeout_s=10, what="results stored")
    time.sleep(1)  # the finishing write meets the stopped server
    cluster.start()
    thread.join(timeout=30)
    job = load(cluster_factory, job_id)
    assert (job.state, job.attempt, job.errors) == (JobState.COMPLETED, 1, [])
    assert job.result_keys == [job_result_key(job_id, 1, 1)]
    assert took and took[0] < settings.lease_s + 5
    assert f"finishing write of job {job_id} claim 1 failed, trying again" in caplog.text
    with cluster_factory() as session:  # the retried write's event, once; the failed one's, never
        assert session.scalars(select(OutboxEvent.event)).all() == [Event.JOB_COMPLETED]


def test_a_worker_cut_off_from_postgresql_stops_generating_within_a_lease(
    cluster, cluster_factory, fault_settings, workers
):
    job_id = add_job(fault_settings, cluster_factory, variants=4)
    with tcp_proxy("127.0.0.1", cluster.port) as proxy:
        url = proxied_url(cluster.url, proxy)
        settings = fault_settings.model_copy(update={"database_url": url})
        engine = make_engine(url)
        try:
            worker = workers.make(
                settings,
                engine,
                generator=PreviewGenerator(step_delay_s=0.5),
            )
            thread, _ = timed_run(worker)
            wait_for(lambda: load(cluster_factory, job_id).progress > 0, what="progress")
            cut_at = time.monotonic()
            proxy.set(REFUSE)
            thread.join(timeout=60)
            stopped_after = time.monotonic() - cut_at
        finally:
            engine.dispose()
    # Generating all 4 variants takes far longer than the lease; it stopped at the lease's end.
    assert stopped_after < settings.lease_s + 2, stopped_after
    storage = make_storage(settings)
    assert storage.keys(attempt_prefix(job_id, 1)) == []
    job = load(cluster_factory, job_id)
    assert job.state is JobState.RUNNING and job.result_keys == []  # reclaimed once it expires


def test_a_stale_holder_cannot_change_a_delivered_result(
    cluster, cluster_engine, cluster_factory, fault_settings, workers, caplog
):
    caplog.set_level(logging.INFO)
    storage = make_storage(fault_settings)
    job_id = add_job(fault_settings, cluster_factory)
    held = HeldGenerator()
    with tcp_proxy("127.0.0.1", cluster.port) as proxy:
        url = proxied_url(cluster.url, proxy)
        engine = make_engine(url)
        try:
            stale = workers.make(
                # It gives up at its lease's end (test_worker_outage_past_lease: it need not).
                fault_settings.model_copy(
                    update={"database_url": url, "worker_id": "stale", "finish_retry_s": 0}
                ),
                engine,
                generator=held,
            )
            thread, _ = timed_run(stale)
            assert held.generated.wait(30)
            proxy.set(REFUSE)  # cut off from PostgreSQL, still reaching storage
            with transaction(cluster_factory) as session:
                past = utcnow() - timedelta(seconds=1)
                session.execute(update(Job).where(Job.id == job_id).values(lease_expires_at=past))
            assert workers.make(fault_settings, cluster_engine).run_once()
            delivered = load(cluster_factory, job_id)
            assert (delivered.state, delivered.attempt) == (JobState.COMPLETED, 2)
            before = {key: storage.get(key) for key in [*delivered.result_keys, delivered.mask_key]}
            held.release.set()  # the stale holder resumes within its own view of the lease
            thread.join(timeout=30)
        finally:
            engine.dispose()
    after = load(cluster_factory, job_id)
    assert after.result_keys == delivered.result_keys == [job_result_key(job_id, 2, 1)]
    assert {key: storage.get(key) for key in before} == before
    orphans = storage.keys(attempt_prefix(job_id, 1))
    assert job_result_key(job_id, 1, 1) in orphans  # written, but nobody points at it
    assert "could not record the job's end" in caplog.text
    assert "lease lost before completing" not in caplog.text

    report = RetentionReport(cutoff=utcnow() - timedelta(days=90))
    later = utcnow() + timedelta(hours=2)
    purge_orphaned_attempts(cluster_factory, storage, report, batch_size=10, now=later)
    assert report.orphans == len(orphans)
    assert storage.keys(attempt_prefix(job_id, 1)) == []
    assert {key: storage.get(key) for key in before} == before
