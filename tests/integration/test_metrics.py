"""/metrics on both databases: the numbers match the seeded jobs and workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from api.db_slots import DEFAULT_SLOTS, DatabaseSlots
from api.routers.metrics import failure_reason, router
from core.db import transaction, utcnow
from core.settings import Settings
from core.storage import LocalStorage
from core.version import __version__
from jobs.models import JobState
from tests.factories import make_job, make_style, make_user, make_worker_record, stored_job


def metrics_app(factory: sessionmaker[Session], settings: Settings) -> FastAPI:
    """The /metrics router alone, with the state its requests read."""
    app = FastAPI()
    app.include_router(router)
    app.state.sessionmaker, app.state.settings = factory, settings
    app.state.db_slots = DatabaseSlots(DEFAULT_SLOTS)
    return app


def scrape(factory: sessionmaker[Session], settings: Settings) -> dict[tuple[str, tuple], float]:
    response = TestClient(metrics_app(factory, settings)).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def seed(factory: sessionmaker[Session]) -> None:
    now = utcnow()
    with transaction(factory) as session:
        user = make_user(session)
        modern, coastal = make_style(session, slug="modern"), make_style(session, slug="coastal")

        def job(state: JobState, style=modern, **fields) -> None:
            make_job(session, user=user, style=style, state=state, **fields)

        for waited in (300, 30):
            since = now - timedelta(seconds=waited)
            job(JobState.PENDING, created_at=since, run_after=since)
        job(JobState.RUNNING, started_at=now)
        for seconds, style in [(3, modern), (7, modern), (40, modern), (90, coastal)]:
            end = now - timedelta(minutes=5)
            job(
                JobState.COMPLETED,
                style=style,
                generator="preview",
                started_at=end - timedelta(seconds=seconds),
                finished_at=end,
            )
        job(  # finished before the window: not in the histogram
            JobState.COMPLETED,
            generator="preview",
            started_at=now - timedelta(days=2, seconds=5),
            finished_at=now - timedelta(days=2),
        )
        for error in [
            "CUDA out of memory. Tried to allocate 2.00 GiB\nTraceback ...",
            "CUDA out of memory. Tried to allocate 512.00 MiB",
            "bad input: the photo is too small",
        ]:
            job(
                JobState.FAILED,
                finished_at=now,
                errors=[
                    {"attempt": 1, "at": now.isoformat(), "error": "first attempt"},
                    {"attempt": 2, "at": now.isoformat(), "error": error},
                ],
            )
        job(JobState.CANCELLED)
        make_worker_record(session, "fresh", last_heartbeat_at=now)
        make_worker_record(session, "stale", last_heartbeat_at=now - timedelta(minutes=10))


def test_metrics_match_seeded_jobs_and_workers(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    seed(session_factory)
    m = scrape(session_factory, settings)
    states = {"pending": 2, "running": 1, "completed": 5, "failed": 3, "cancelled": 1}
    for state, count in states.items():
        assert m[("stagewright_jobs", (("state", state),))] == count
    assert 300 <= m[("stagewright_oldest_pending_job_age_seconds", ())] < 3600

    modern = (("generator", "preview"), ("style", "modern"))
    assert m[("stagewright_job_duration_seconds_count", modern)] == 3
    assert m[("stagewright_job_duration_seconds_sum", modern)] == pytest.approx(50)
    bucket = "stagewright_job_duration_seconds_bucket"
    for le, count in [("2.0", 0), ("5.0", 1), ("10.0", 2), ("30.0", 2), ("60.0", 3), ("+Inf", 3)]:
        assert m[(bucket, (*modern[:1], ("le", le), modern[1]))] == count
    coastal = (("generator", "preview"), ("style", "coastal"))
    assert m[("stagewright_job_duration_seconds_count", coastal)] == 1

    failures = {k[1][0][1]: v for k, v in m.items() if k[0] == "stagewright_job_failures"}
    assert failures == {
        "CUDA out of memory. Tried to allocate N GiB": 1,
        "CUDA out of memory. Tried to allocate N MiB": 1,
        "bad input: the photo is too small": 1,
    }
    assert m[("stagewright_workers_alive", ())] == 1
    assert m[("stagewright_workers_stale", ())] == 1
    build = [k for k in m if k[0] == "stagewright_build_info"]
    assert len(build) == 1 and dict(build[0][1])["version"] == __version__ != "unknown"


def test_empty_database_scrapes_cleanly(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    m = scrape(session_factory, settings)
    assert m[("stagewright_jobs", (("state", "pending"),))] == 0
    assert m[("stagewright_oldest_pending_job_age_seconds", ())] == 0
    assert m[("stagewright_workers_alive", ())] == 0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_failure_reasons_are_bounded(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    now = utcnow()
    with transaction(session_factory) as session:
        user, style = make_user(session), make_style(session)
        for n in range(30):
            make_job(
                session,
                user=user,
                style=style,
                state=JobState.FAILED,
                finished_at=now,
                errors=[
                    {"attempt": 1, "at": now.isoformat(), "error": f"error kind {chr(65 + n)}"}
                ],
            )
    m = scrape(session_factory, settings)
    failures = {k[1][0][1]: v for k, v in m.items() if k[0] == "stagewright_job_failures"}
    assert len(failures) == 21 and failures["other"] == 10
    assert sum(failures.values()) == 30


def test_failure_reason_normalises() -> None:
    assert failure_reason("") == "unknown"
    assert failure_reason("  Timeout after 30.5s at 0xdeadbeef\nmore") == "Timeout after Ns at N"
    assert len(failure_reason("x" * 500)) == 80


def test_help_texts_read_as_words(session_factory: sessionmaker[Session], settings: Settings):
    text = TestClient(metrics_app(session_factory, settings)).get("/metrics").text
    helps = [line for line in text.splitlines() if line.startswith("# HELP")]
    assert helps and not [line for line in helps if "day," in line or "0:00" in line], helps
    assert (
        "# HELP stagewright_job_duration_seconds Run time of the last attempt (claimed to "
        "finished) of jobs completed in the last 24 hours"
    ) in helps
    assert any("in the last 24 hours, by the first line" in line for line in helps)


def test_a_cancelled_then_retried_job_counts_only_its_run(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    from jobs import queue, service

    now = utcnow()
    storage = LocalStorage(settings.local_storage_dir, settings.secret_key)
    with transaction(session_factory) as session:
        user = make_user(session)
        job = stored_job(
            session,
            storage,
            user=user,
            style=make_style(session, slug="modern"),
            state=JobState.CANCELLED,
            attempt=1,
            started_at=now - timedelta(minutes=4),  # its first run, cancelled 4 minutes ago
            finished_at=now - timedelta(minutes=3),
        )
        service.retry_job(session, user=user, job_id=job.id, settings=settings, storage=storage)
    with transaction(session_factory) as session:
        claimed = queue.claim(session, worker_id="w1", lease_s=60)
        assert claimed is not None and claimed.id == job.id
        assert queue.complete(
            session,
            job=claimed,
            worker_id="w1",
            result_keys=["r"],
            mask_key=None,
            seeds=[1],
            generator="preview",
        )
    m = scrape(session_factory, settings)
    modern = (("generator", "preview"), ("style", "modern"))
    assert m[("stagewright_job_duration_seconds_count", modern)] == 1
    assert m[("stagewright_job_duration_seconds_sum", modern)] < 30
