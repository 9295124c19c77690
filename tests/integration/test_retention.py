"""Retention on both databases: old final jobs and their images go, everything else stays."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import transaction, utcnow
from core.settings import Settings
from core.storage import (
    LocalStorage,
    ObjectNotFound,
    job_input_key,
    job_mask_key,
    job_result_key,
    make_storage,
)
from jobs.models import Job, JobState
from jobs.retention import RetentionReport, purge_expired_jobs, purge_orphaned_attempts
from jobs.shares import ENDED_KEPT, ShareLink, ShareScope, purge_shares
from tests.factories import make_job, make_style, make_user

ROOT = Path(__file__).resolve().parents[2]


def seed(factory: sessionmaker[Session], storage: LocalStorage) -> dict[str, int]:
    """Jobs of every kind, each with an input and a result image."""
    now = utcnow()
    old, recent = now - timedelta(days=91), now - timedelta(days=89)
    kinds = {
        "old_completed_1": (JobState.COMPLETED, old),
        "old_completed_2": (JobState.COMPLETED, old - timedelta(days=400)),
        "old_failed": (JobState.FAILED, old),
        "old_cancelled": (JobState.CANCELLED, old),
        "old_completed_3": (JobState.COMPLETED, old),
        "old_pending": (JobState.PENDING, old),
        "old_running": (JobState.RUNNING, old),
        "recent_completed": (JobState.COMPLETED, recent),
        "recent_failed": (JobState.FAILED, recent),
    }
    ids = {}
    with transaction(factory) as session:
        user, style = make_user(session), make_style(session)
        for name, (state, created_at) in kinds.items():
            job = make_job(session, user=user, style=style, state=state, created_at=created_at)
            ids[name] = job.id
    for job_id in ids.values():
        storage.put(job_input_key(job_id), b"in", "image/jpeg")
        storage.put(job_result_key(job_id, 1, 1), b"out", "image/jpeg")
    return ids


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    store = make_storage(settings)
    assert isinstance(store, LocalStorage)
    return store


def remaining(factory: sessionmaker[Session]) -> set[int]:
    with transaction(factory) as session:
        return set(session.scalars(select(Job.id)))


def test_purge_deletes_old_final_jobs_and_their_images_in_batches(
    session_factory: sessionmaker[Session], storage: LocalStorage
) -> None:
    ids = seed(session_factory, storage)
    report = purge_expired_jobs(session_factory, storage, days=90, batch_size=2, pause_s=0)
    gone = {
        v
        for k, v in ids.items()
        if k.startswith("old_") and k not in {"old_pending", "old_running"}
    }
    assert (report.jobs, report.objects, report.batches) == (5, 10, 3)
    assert remaining(session_factory) == set(ids.values()) - gone
    for job_id in ids.values():
        if job_id in gone:
            with pytest.raises(ObjectNotFound):
                storage.get(job_input_key(job_id))
        else:
            assert storage.get(job_result_key(job_id, 1, 1)) == b"out"
    again = purge_expired_jobs(session_factory, storage, days=90, batch_size=2, pause_s=0)
    assert (again.jobs, again.batches) == (0, 0)


def test_dry_run_counts_and_deletes_nothing(
    session_factory: sessionmaker[Session], storage: LocalStorage
) -> None:
    ids = seed(session_factory, storage)
    report = purge_expired_jobs(session_factory, storage, days=90, batch_size=3, dry_run=True)
    assert (report.jobs, report.objects, report.batches) == (5, 0, 2)
    assert remaining(session_factory) == set(ids.values())
    assert storage.get(job_input_key(ids["old_failed"])) == b"in"


def test_a_job_revived_between_select_and_delete_is_kept(
    session_factory: sessionmaker[Session], storage: LocalStorage
) -> None:
    from jobs.retention import delete_jobs, expired_job_ids

    ids = seed(session_factory, storage)
    cutoff = utcnow() - timedelta(days=90)
    with transaction(session_factory) as session:
        batch = expired_job_ids(session=session, cutoff=cutoff, after_id=0, limit=100)
    with transaction(session_factory) as session:
        session.get_one(Job, ids["old_failed"]).state = JobState.PENDING
    with transaction(session_factory) as session:
        assert delete_jobs(session=session, ids=batch, cutoff=cutoff) == 4
    assert ids["old_failed"] in remaining(session_factory)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_dry_run_then_real_run(
    session_factory: sessionmaker[Session], settings: Settings, storage: LocalStorage
) -> None:
    seed(session_factory, storage)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "LOCAL_STORAGE_DIR": str(settings.local_storage_dir),
        "RETENTION_BATCH_SIZE": "4",
    }

    def retention(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "retention.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for args, expected in [
        (["--dry-run"], "would delete 5 jobs created before"),
        (["--dry-run"], "would delete 0 ended share links"),
        ([], "deleted 5 jobs and 10 stored objects created before"),
        (["--days", "1"], "deleted 2 jobs and 4 stored objects"),
    ]:
        result = retention(*args)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
    bad = retention("--days", "0")
    assert bad.returncode == 2 and "--days and --batch-size must be at least 1" in bad.stderr


def test_files_of_unreferenced_attempts_are_deleted(
    session_factory: sessionmaker[Session], storage: LocalStorage
) -> None:
    now = utcnow()
    ended = {"finished_at": now - timedelta(hours=2)}
    with transaction(session_factory) as session:
        user, style = make_user(session), make_style(session)
        cases = {
            "retried": dict(state=JobState.COMPLETED, attempt=2, **ended),
            "failed": dict(state=JobState.FAILED, attempt=1, **ended),
            "just_ended": dict(state=JobState.COMPLETED, attempt=2, finished_at=now),
            "running": dict(state=JobState.RUNNING, attempt=2),
        }
        ids = {
            name: make_job(session, user=user, style=style, **fields).id
            for name, fields in cases.items()
        }
        for name, job_id in ids.items():
            keep = [job_result_key(job_id, 2, 1)] if name != "failed" else []
            session.get_one(Job, job_id).result_keys = keep
    for job_id in ids.values():
        storage.put(job_input_key(job_id), b"in", "image/jpeg")
        for attempt in (1, 2):
            storage.put(job_result_key(job_id, attempt, 1), b"out", "image/jpeg")
            storage.put(job_mask_key(job_id, attempt), b"mask", "image/png")

    dry = RetentionReport(cutoff=now - timedelta(days=90))
    purge_orphaned_attempts(session_factory, storage, dry, batch_size=1, dry_run=True)
    assert dry.orphans == 2 + 4
    report = RetentionReport(cutoff=now - timedelta(days=90))
    purge_orphaned_attempts(session_factory, storage, report, batch_size=1)
    assert report.orphans == 6
    left = {name: storage.keys(f"jobs/{job_id}/") for name, job_id in ids.items()}
    retried = ids["retried"]
    assert left["retried"] == sorted(
        [job_input_key(retried), job_mask_key(retried, 2), job_result_key(retried, 2, 1)]
    )
    assert storage.keys(f"jobs/{ids['retried']}/a1/") == []
    assert left["failed"] == [job_input_key(ids["failed"])]
    assert len(left["just_ended"]) == len(left["running"]) == 5


def test_share_links_that_ended_a_month_ago_are_deleted(
    session_factory: sessionmaker[Session],
) -> None:
    now = utcnow()
    month, day = ENDED_KEPT, timedelta(days=1)
    ends = {  # name: (expires_at, revoked_at)
        "live": (now + day, None),
        "expired_lately": (now - month + day, None),
        "expired_long_ago": (now - month - day, None),
        "revoked_lately": (now + day, now - day),
        "revoked_long_ago": (now + day, now - month - day),
    }
    with transaction(session_factory) as session:
        user, style = make_user(session), make_style(session)
        job = make_job(session, user=user, style=style, state=JobState.COMPLETED)
        for name, (expires_at, revoked_at) in ends.items():
            session.add(
                ShareLink(
                    token_hash=name.ljust(64, "0"),
                    scope=ShareScope.JOB,
                    owner_id=user.id,
                    job_id=job.id,
                    created_by_id=user.id,
                    created_at=now - month - month,
                    expires_at=expires_at,
                    revoked_at=revoked_at,
                )
            )
    with transaction(session_factory) as session:
        assert purge_shares(session, dry_run=True) == 2
    with transaction(session_factory) as session:
        assert purge_shares(session) == 2
    with transaction(session_factory) as session:
        kept = {link.token_hash.rstrip("0") for link in session.scalars(select(ShareLink))}
    assert kept == {"live", "expired_lately", "revoked_lately"}
