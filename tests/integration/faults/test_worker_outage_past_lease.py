"""PostgreSQL out for longer than the lease: a job that finished meanwhile is recorded once it is
back, with the results it stored (no second generation), unless another claim took the job."""

from __future__ import annotations

import logging
import threading
import time

from PIL import Image

from core.db import make_engine
from core.storage import job_result_key, make_storage
from jobs import service as jobs_service
from jobs.models import JobState
from tests.support.faults import add_job, load, proxied_url, timed_run
from tests.support.processes import wait_for
from tests.support.tcpproxy import PASS, REFUSE, tcp_proxy
from worker.generators.base import GenerationResult
from worker.generators.preview import PreviewGenerator


class CountedGenerator(PreviewGenerator):
    """Counts its runs, and holds its finished images until released (the test cuts the
    database meanwhile); the images are painted in the run's own colour."""

    COLOURS = ("red", "blue", "green")

    def __init__(self) -> None:
        super().__init__(step_delay_s=0)
        self.runs = 0
        self.generated, self.release = threading.Event(), threading.Event()

    def generate(self, request, on_progress, should_stop) -> GenerationResult:
        result = super().generate(request, on_progress, should_stop)
        self.runs += 1
        self.generated.set()
        assert self.release.wait(60)
        colour = self.COLOURS[self.runs - 1]
        painted = [Image.new("RGB", image.size, colour) for image in result.images]
        return GenerationResult(images=painted, seeds=result.seeds, mask=result.mask)


def history(factory, job_id: int) -> list[tuple]:
    with factory() as session:
        return [
            (c.claim, c.worker_id, c.attempt, c.reclaimed)
            for c in jobs_service.claim_history(session, job_id)
        ]


def test_a_job_finished_during_an_outage_longer_than_the_lease_is_recorded_once_it_is_back(
    cluster, cluster_engine, cluster_factory, fault_settings, workers, caplog
):
    caplog.set_level(logging.INFO)
    settings = fault_settings.model_copy(update={"worker_id": "w", "finish_retry_s": 60})
    storage = make_storage(settings)
    job_id = add_job(settings, cluster_factory, max_attempts=1)
    generator = CountedGenerator()
    thread, took = timed_run(workers.make(settings, cluster_engine, generator=generator))
    assert generator.generated.wait(30)
    cluster.stop()
    stopped_at = time.monotonic()
    generator.release.set()
    key = job_result_key(job_id, 1, 1)
    wait_for(lambda: storage.exists(key), timeout_s=10, what="results stored")
    stored = storage.get(key)
    time.sleep(settings.lease_s + 2 - (time.monotonic() - stopped_at))  # the lease runs out
    assert thread.is_alive(), "the worker gave up on the finishing write at the lease's end"
    cluster.start()
    thread.join(timeout=60)
    assert not thread.is_alive()

    job = load(cluster_factory, job_id)
    assert (job.state, job.attempt, job.claims, job.errors) == (JobState.COMPLETED, 1, 1, [])
    assert job.result_keys == [key] and storage.get(key) == stored
    assert generator.runs == 1
    assert history(cluster_factory, job_id) == [(1, "w", 1, False)]
    assert took[0] > settings.lease_s
    assert caplog.text.count(f"finishing write of job {job_id} claim 1 failed, trying again") >= 2
    assert "after the lease ran out" in caplog.text
    assert "job completed" in caplog.text


def test_a_late_finishing_write_is_refused_once_another_worker_has_claimed_the_job(
    cluster, cluster_engine, cluster_factory, fault_settings, workers, caplog
):
    caplog.set_level(logging.INFO)
    storage = make_storage(fault_settings)
    job_id = add_job(fault_settings, cluster_factory)
    cut_off = CountedGenerator()
    with tcp_proxy("127.0.0.1", cluster.port) as proxy:
        url = proxied_url(cluster.url, proxy)
        engine = make_engine(url)
        settings = fault_settings.model_copy(
            update={"database_url": url, "worker_id": "late", "finish_retry_s": 60}
        )
        late = workers.make(settings, engine, generator=cut_off)
        try:
            thread, _ = timed_run(late)
            assert cut_off.generated.wait(30)
            proxy.set(REFUSE)  # cut off from PostgreSQL, still reaching storage
            cut_off.release.set()
            wait_for(lambda: "finishing write of job" in caplog.text, timeout_s=10, what="a try")
            # The lease runs out; another worker, not cut off, claims the job and completes it.
            other = CountedGenerator()
            other.release.set()
            other_worker = workers.make(
                fault_settings.model_copy(update={"worker_id": "other"}),
                cluster_engine,
                generator=other,
            )
            wait_for(other_worker.run_once, timeout_s=30, what="the other worker's claim")
            delivered = load(cluster_factory, job_id)
            assert (delivered.state, delivered.claims) == (JobState.COMPLETED, 2)
            before = {key: storage.get(key) for key in delivered.result_keys}
            proxy.set(PASS)  # the late write reaches the database, and the fence refuses it
            thread.join(timeout=30)
            assert not thread.is_alive()
        finally:
            late.db.close()  # its live connection goes back to the pool before it is disposed
            engine.dispose()
    after = load(cluster_factory, job_id)
    assert after.result_keys == delivered.result_keys == [job_result_key(job_id, 2, 1)]
    assert {key: storage.get(key) for key in before} == before
    assert (cut_off.runs, other.runs) == (1, 1)
    assert history(cluster_factory, job_id) == [(1, "late", 1, False), (2, "other", 2, True)]
    assert "completing write refused: claim 1 no longer holds the job" in caplog.text
    assert "could not record the job's end" not in caplog.text


def test_a_worker_that_takes_its_own_job_back_after_an_outage_shows_both_claims(
    cluster, cluster_factory, fault_settings, workers, caplog
):
    """Cut off mid-job for longer than the lease, the worker stops it; back, it claims the
    job again under the same name: locked_by does not change, the history does."""
    job_id = add_job(fault_settings, cluster_factory, variants=4)
    with tcp_proxy("127.0.0.1", cluster.port) as proxy:
        url = proxied_url(cluster.url, proxy)
        engine = make_engine(url)
        settings = fault_settings.model_copy(update={"database_url": url, "worker_id": "w"})
        worker = workers.make(settings, engine, generator=PreviewGenerator(step_delay_s=0.3))
        try:
            thread, _ = timed_run(worker)
            wait_for(lambda: load(cluster_factory, job_id).progress > 0, what="progress")
            proxy.set(REFUSE)
            wait_for(lambda: "stopping, writing nothing" in caplog.text, what="the lease lost")
            proxy.set(PASS)
            thread.join(timeout=30)
            wait_for(worker.run_once, timeout_s=30, what="the job claimed again")
        finally:
            worker.db.close()
            engine.dispose()
    job = load(cluster_factory, job_id)
    assert (job.locked_by, job.attempt, job.claims) == (None, 2, 2)
    assert history(cluster_factory, job_id) == [(1, "w", 1, False), (2, "w", 2, True)]
    assert [e["attempt"] for e in job.errors] == [1]
