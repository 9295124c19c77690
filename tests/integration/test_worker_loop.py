"""The worker loop in-process with the preview generator, on both databases and local storage."""

from __future__ import annotations

import io
import os
import threading
import time
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, text, update

from core.db import transaction, utcnow
from core.storage import (
    LocalStorage,
    StorageError,
    job_mask_key,
    job_result_key,
    make_storage,
    rendition_key,
)
from core.version import __version__
from jobs import queue
from jobs.models import Job, JobState, WorkerRecord
from tests.factories import stored_job
from tests.support.processes import wait_for
from worker.generators.base import GpuInfo
from worker.generators.preview import PreviewGenerator
from worker.loop import Worker
from worker.signals import Shutdown


class UnreachableStore(LocalStorage):
    """Reads work, writes fail the way an R2 outage does."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        raise StorageError("R2 put_object failed: ServiceUnavailable")


class LabelledPreview(PreviewGenerator):
    """The preview, keeping an unlabelled copy of each result as sdxl does when it labels."""

    def generate(self, request, on_progress, should_stop):
        result = super().generate(request, on_progress, should_stop)
        result.clean_images = [image.copy() for image in result.images]
        return result


_workers: list[Worker] = []


@pytest.fixture(autouse=True)
def _close_workers(session_factory):
    """Workers driven with run_once keep their connection between jobs: close them before
    the engine is disposed (this fixture depends on it, so it is torn down first)."""
    yield
    while _workers:
        _workers.pop().close()


def make_worker(settings, engine, *, storage=None, step_delay_s=0.0, grace_s=None):
    worker = Worker(
        settings,
        generator=PreviewGenerator(step_delay_s=step_delay_s),
        storage=storage or make_storage(settings),
        engine=engine,
        shutdown=Shutdown(settings.shutdown_grace_s if grace_s is None else grace_s),
    )
    _workers.append(worker)
    return worker


def add_job(settings, session_factory, **fields) -> int:
    with transaction(session_factory) as session:
        return stored_job(session, make_storage(settings), **fields).id


def load(session_factory, job_id) -> Job:
    with session_factory() as session:
        return session.get(Job, job_id)


def in_thread(worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    return thread


def test_job_completes_with_results_in_storage(settings, engine, session_factory):
    storage = make_storage(settings)
    job_id = add_job(settings, session_factory, variants=2, seed=99)
    worker = make_worker(settings, engine)
    worker.register()
    assert worker.run_once()
    assert not worker.run_once()

    job = load(session_factory, job_id)
    assert job.state is JobState.COMPLETED and job.attempt == 1 and job.errors == []
    assert job.result_keys == [job_result_key(job_id, 1, 1), job_result_key(job_id, 1, 2)]
    assert job.mask_key == job_mask_key(job_id, 1) and job.generator == "preview"
    assert len(job.result_seeds) == 2 and job.progress == 100
    for key in [*job.result_keys, job.mask_key]:
        assert Image.open(io.BytesIO(storage.get(key))).size == (64, 48)
    with session_factory() as session:
        record = session.get(WorkerRecord, worker.id)
    assert (record.jobs_done, record.jobs_failed, record.current_job_id) == (1, 0, None)
    assert record.version == __version__ and record.generator == "preview"


@pytest.mark.parametrize("labelled", [False, True])
def test_the_job_records_whether_clean_copies_were_stored(
    settings, engine, session_factory, labelled
):
    job_id = add_job(settings, session_factory, variants=2)
    worker = make_worker(settings, engine)
    if labelled:
        worker.generator = LabelledPreview(step_delay_s=0)
    assert worker.run_once()

    job = load(session_factory, job_id)
    assert job.state is JobState.COMPLETED and job.has_clean_copies is labelled
    storage = make_storage(settings)
    assert [storage.exists(rendition_key(key, "clean")) for key in job.result_keys] == [
        labelled
    ] * 2


@pytest.mark.parametrize(
    ("corrupt", "message"), [(False, "missing from storage"), (True, "not a readable image")]
)
def test_bad_input_fails_at_once(settings, engine, session_factory, corrupt, message):
    storage = make_storage(settings)
    job_id = add_job(settings, session_factory, max_attempts=3)
    job = load(session_factory, job_id)
    if corrupt:
        storage.put(job.input_key, b"not an image at all", "image/jpeg")
    else:
        storage.delete_prefix(f"jobs/{job_id}/")
    make_worker(settings, engine).run_once()
    failed = load(session_factory, job_id)
    assert failed.state is JobState.FAILED and failed.attempt == 1
    assert len(failed.errors) == 1 and message in failed.errors[0]["error"]


def test_storage_outage_while_writing_is_postponed_without_using_an_attempt(
    settings, engine, session_factory
):
    job_id = add_job(settings, session_factory, max_attempts=1)
    store = UnreachableStore(settings.local_storage_dir, settings.secret_key)
    make_worker(settings, engine, storage=store).run_once()
    job = load(session_factory, job_id)
    assert job.state is JobState.PENDING and job.attempt == 0
    assert "storage unavailable" in job.errors[0]["error"]
    assert job.run_after > utcnow() + timedelta(seconds=settings.retry_base_s * 0.5)


def test_unreadable_reference_image_is_skipped(settings, engine, session_factory):
    with transaction(session_factory) as session:
        job = stored_job(session, make_storage(settings))
        job.style_snapshot = {**job.style_snapshot, "reference_image_keys": ["styles/9/none.jpg"]}
    make_worker(settings, engine).run_once()
    assert load(session_factory, job.id).state is JobState.COMPLETED


def test_progress_rises_monotonically_to_100(settings, engine, session_factory):
    settings.progress_interval_s = 0.05
    job_id = add_job(settings, session_factory, variants=2)
    thread = in_thread(make_worker(settings, engine, step_delay_s=0.1))
    seen = []
    while thread.is_alive():
        seen.append(load(session_factory, job_id).progress)
        time.sleep(0.02)
    thread.join()
    seen.append(load(session_factory, job_id).progress)
    assert seen == sorted(seen)
    assert seen[-1] == 100 and any(0 < p < 100 for p in seen)


def test_cancel_while_running_stores_nothing(settings, engine, session_factory):
    storage = make_storage(settings)
    job_id = add_job(settings, session_factory)
    thread = in_thread(make_worker(settings, engine, step_delay_s=0.3))
    wait_for(lambda: load(session_factory, job_id).state is JobState.RUNNING)
    with transaction(session_factory) as session:
        session.execute(update(Job).where(Job.id == job_id).values(cancel_requested_at=utcnow()))
    thread.join()
    job = load(session_factory, job_id)
    assert job.state is JobState.CANCELLED and job.result_keys == [] and job.mask_key is None
    assert not (storage.root / job_result_key(job_id, 1, 1)).exists()
    assert not (storage.root / job_mask_key(job_id, 1)).exists()


def test_lease_lost_mid_job_writes_nothing(settings, engine, session_factory):
    settings.progress_interval_s = 0.05
    storage = make_storage(settings)
    job_id = add_job(settings, session_factory)
    thread = in_thread(make_worker(settings, engine, step_delay_s=0.3))
    wait_for(lambda: load(session_factory, job_id).state is JobState.RUNNING)
    with transaction(session_factory) as session:
        past = utcnow() - timedelta(seconds=1)
        session.execute(update(Job).where(Job.id == job_id).values(lease_expires_at=past))
        assert queue.claim(session, worker_id="thief", lease_s=60).id == job_id
    thread.join()
    job = load(session_factory, job_id)
    assert (job.state, job.locked_by, job.attempt) == (JobState.RUNNING, "thief", 2)
    assert not (storage.root / job_result_key(job_id, 1, 1)).exists()


@pytest.mark.parametrize("grace_s", [0.0, 30.0])
def test_shutdown_releases_after_grace_or_lets_the_job_finish(
    settings, engine, session_factory, grace_s
):
    job_id = add_job(settings, session_factory)
    worker = make_worker(settings, engine, step_delay_s=0.2, grace_s=grace_s)
    thread = in_thread(worker)
    wait_for(lambda: load(session_factory, job_id).state is JobState.RUNNING)
    worker.shutdown.request()
    thread.join()
    job = load(session_factory, job_id)
    if grace_s:
        assert job.state is JobState.COMPLETED and job.attempt == 1
    else:
        assert (job.state, job.attempt, job.errors) == (JobState.PENDING, 0, [])
        assert job.locked_by is None


def test_second_signal_stops_the_job_at_once(settings, engine, session_factory):
    job_id = add_job(settings, session_factory)
    worker = make_worker(settings, engine, step_delay_s=0.3, grace_s=3600)
    thread = in_thread(worker)
    wait_for(lambda: load(session_factory, job_id).state is JobState.RUNNING)
    worker.shutdown.request()
    worker.shutdown.request()
    thread.join()
    assert load(session_factory, job_id).state is JobState.PENDING


def test_register_and_deregister(settings, engine, session_factory):
    settings.worker_id = "pod-a-1"
    worker = make_worker(settings, engine)
    worker.shutdown.request()
    worker.register()
    with session_factory() as session:
        assert session.scalars(select(WorkerRecord.id)).all() == ["pod-a-1"]
    worker.run()  # shutdown already requested: deregisters at once
    with session_factory() as session:
        assert session.scalars(select(WorkerRecord.id)).all() == []


def test_an_unnamed_worker_is_named_for_its_pod_and_process(
    settings, engine, session_factory, monkeypatch
):
    monkeypatch.setenv("RUNPOD_POD_ID", "pod-7")
    worker = make_worker(settings, engine)
    worker.register()
    with session_factory() as session:
        record = session.get(WorkerRecord, worker.id)
    assert (record.host, record.pid) == ("pod-7", os.getpid())
    assert worker.id.startswith(f"pod-7-{os.getpid()}-")


def test_the_fleet_row_shows_the_generators_gpu(settings, engine, session_factory):
    worker = make_worker(settings, engine)
    worker.register()
    with session_factory() as session:
        record = session.get(WorkerRecord, worker.id)
        assert (record.gpu_name, record.gpu_memory_mb) == (None, None)  # the preview's CPU

    worker.generator = LabelledPreview(step_delay_s=0)
    worker.generator.gpu = GpuInfo(name="NVIDIA H200", memory_mb=143_771)
    worker.register()
    with session_factory() as session:
        record = session.get(WorkerRecord, worker.id)
        assert (record.gpu_name, record.gpu_memory_mb) == ("NVIDIA H200", 143_771)


def test_start_prunes_the_fleet_rows_of_killed_workers(settings, engine, session_factory):
    settings.worker_id = "pod-new"
    with transaction(session_factory) as session:
        for worker_id, silent_s in [("killed", 11 * settings.lease_s), ("busy", settings.lease_s)]:
            session.add(
                WorkerRecord(
                    id=worker_id,
                    host="h",
                    pid=1,
                    generator="preview",
                    version="0",
                    started_at=utcnow() - timedelta(hours=1),
                    last_heartbeat_at=utcnow() - timedelta(seconds=silent_s),
                    jobs_done=0,
                    jobs_failed=0,
                    note="",
                )
            )
    make_worker(settings, engine).register()
    with session_factory() as session:
        assert sorted(session.scalars(select(WorkerRecord.id))) == ["busy", "pod-new"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_worker_reconnects_after_its_connection_is_killed(settings, engine, session_factory):
    worker = make_worker(settings, engine)
    first = add_job(settings, session_factory)
    assert worker.run_once()
    with transaction(session_factory) as session:
        killed = session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert killed >= 1  # the worker's own connection, held between jobs
    second = add_job(settings, session_factory)
    assert worker.run_once()
    assert [load(session_factory, i).state for i in (first, second)] == [JobState.COMPLETED] * 2
