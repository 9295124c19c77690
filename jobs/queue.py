"""Queue operations on the jobs table: claim, heartbeat and the fenced writes that end a run.

Every function takes the caller's session and never commits. Each is one statement; the
worker commits each at once, so no transaction stays open while a generator runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Interval, case, func, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.db import UTCDateTime, db_now, utcnow
from jobs.models import Job, JobState

STARTING_STAGE = "Starting"
RECLAIMED_STAGE = "Restarting: the previous worker lost the job"
LEASE_LOST_ERROR = "worker lost the job (lease expired)"
QUEUED_STAGE = "Queued"
RETRY_STAGE = "Waiting to retry"
JITTER = 0.2
"""Backoff delays vary by up to this fraction either way, so retries do not move in lockstep."""


def _db_time(session: Session, offset_s: float = 0.0) -> ColumnElement[datetime]:
    """now() plus an offset, on the same clock as db_now()."""
    if session.get_bind().dialect.name == "postgresql":
        return db_now(session) + literal(timedelta(seconds=offset_s), Interval())
    return literal(utcnow() + timedelta(seconds=offset_s), UTCDateTime())


def _fenced(job_id: int, worker_id: str) -> ColumnElement[bool]:
    """Only the worker that holds the running job may write to it."""
    return (Job.id == job_id) & (Job.state == JobState.RUNNING) & (Job.locked_by == worker_id)


def _error_entry(attempt: int, error: str) -> dict[str, Any]:
    return {"attempt": attempt, "at": utcnow().isoformat(), "error": error[:2000]}


def claim(session: Session, *, worker_id: str, lease_s: float) -> Job | None:
    """Take the oldest expired lease, else the next pending job; None when there is none.

    A reclaimed job whose attempts are used up comes back already `failed`.
    """
    now = db_now(session)
    expired = (
        select(Job.id)
        .where(Job.state == JobState.RUNNING, Job.lease_expires_at < now)
        .order_by(Job.lease_expires_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    pending = (
        select(Job.id)
        .where(Job.state == JobState.PENDING, Job.run_after <= now)
        .order_by(Job.priority, Job.run_after, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    # Claim: one statement; SET reads the old row, so the stage records a reclaim.
    statement = (
        update(Job)
        .where(Job.id == func.coalesce(expired, pending))
        .values(
            state=JobState.RUNNING,
            attempt=Job.attempt + 1,
            locked_by=worker_id,
            lease_expires_at=_db_time(session, lease_s),
            started_at=func.coalesce(Job.started_at, now),
            updated_at=now,
            progress=0,
            stage=case((Job.state == JobState.RUNNING, RECLAIMED_STAGE), else_=STARTING_STAGE),
        )
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    job = session.execute(statement).scalar_one_or_none()
    if job is None or job.stage != RECLAIMED_STAGE:
        return job
    return _note_lost_lease(session, job, worker_id=worker_id)


def _note_lost_lease(session: Session, job: Job, *, worker_id: str) -> Job:
    """Record the lost attempt; fail the job when that was its last one."""
    errors = [*job.errors, _error_entry(job.attempt - 1, LEASE_LOST_ERROR)]
    values: dict[str, Any] = {"errors": errors, "updated_at": db_now(session)}
    if job.attempt > job.max_attempts:
        values.update(_final(session, JobState.FAILED), attempt=job.attempt - 1, stage="Failed")
    # Lost lease: append the error, and fail the job if no attempt is left.
    statement = (
        update(Job)
        .where(_fenced(job.id, worker_id))
        .values(**values)
        .returning(Job)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return session.execute(statement).scalar_one()


@dataclass(frozen=True)
class Beat:
    """What a successful heartbeat learnt."""

    cancel_requested: bool


def heartbeat(
    session: Session, *, job_id: int, worker_id: str, lease_s: float, progress: int, stage: str
) -> Beat | None:
    """Extend the lease and save progress; None when the lease is lost (write nothing more)."""
    # Heartbeat: fenced lease extension + progress, reading cancel_requested_at back.
    statement = (
        update(Job)
        .where(_fenced(job_id, worker_id))
        .values(
            lease_expires_at=_db_time(session, lease_s),
            progress=max(0, min(100, progress)),
            stage=stage[:120],
            updated_at=db_now(session),
        )
        .returning(Job.cancel_requested_at)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(statement).one_or_none()
    return None if row is None else Beat(cancel_requested=row.cancel_requested_at is not None)


def _final(session: Session, state: JobState) -> dict[str, Any]:
    """Columns every end state sets: the state, the finish time, and no lock."""
    now = db_now(session)
    return {
        "state": state,
        "finished_at": now,
        "updated_at": now,
        "locked_by": None,
        "lease_expires_at": None,
    }


def _fenced_update(session: Session, job: Job, worker_id: str, values: dict[str, Any]) -> bool:
    statement = (
        update(Job)
        .where(_fenced(job.id, worker_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1


def complete(
    session: Session,
    *,
    job: Job,
    worker_id: str,
    result_keys: list[str],
    mask_key: str | None,
    seeds: list[int],
    generator: str,
) -> bool:
    """Mark the job completed with its stored results; False when the lease was lost."""
    # Complete: fenced; the results are already in storage under the job's own keys.
    values = {
        **_final(session, JobState.COMPLETED),
        "result_keys": result_keys,
        "mask_key": mask_key,
        "result_seeds": seeds,
        "generator": generator,
        "progress": 100,
        "stage": "Done",
    }
    return _fenced_update(session, job, worker_id, values)


def backoff_s(
    attempt: int, *, base_s: float, cap_s: float, rng: random.Random | None = None
) -> float:
    """Delay before the retry that follows `attempt`: min(cap, base*2^(attempt-1)) +/- 20%."""
    delay = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    return delay * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def fail(
    session: Session,
    *,
    job: Job,
    worker_id: str,
    error: str,
    retryable: bool,
    base_s: float,
    cap_s: float,
) -> JobState | None:
    """Record the attempt's error; back off to pending or fail for good. None: lease lost."""
    errors = [*job.errors, _error_entry(job.attempt, error)]
    if retryable and job.attempt < job.max_attempts:
        delay = backoff_s(job.attempt, base_s=base_s, cap_s=cap_s)
        state = JobState.PENDING
        values: dict[str, Any] = {
            "state": state,
            "run_after": _db_time(session, delay),
            "updated_at": db_now(session),
            "locked_by": None,
            "lease_expires_at": None,
            "stage": RETRY_STAGE,
        }
    else:
        state = JobState.FAILED
        values = {**_final(session, state), "stage": "Failed"}
    # Fail or retry: fenced; the attempt's error is appended either way.
    return state if _fenced_update(session, job, worker_id, {**values, "errors": errors}) else None


def cancel(session: Session, *, job: Job, worker_id: str) -> bool:
    """End a running job whose cancel was requested; no results are kept."""
    # Cancel: fenced; honours cancel_requested_at seen by the heartbeat.
    return _fenced_update(
        session, job, worker_id, {**_final(session, JobState.CANCELLED), "stage": "Cancelled"}
    )


def release(session: Session, *, job: Job, worker_id: str) -> bool:
    """Hand a running job back to the queue at once, without using up an attempt."""
    now = db_now(session)
    values = {
        "state": JobState.PENDING,
        "attempt": Job.attempt - 1,
        "run_after": now,
        "updated_at": now,
        "locked_by": None,
        "lease_expires_at": None,
        "progress": 0,
        "stage": QUEUED_STAGE,
    }
    # Release on shutdown: fenced; attempt goes back down, no error is recorded.
    return _fenced_update(session, job, worker_id, values)
