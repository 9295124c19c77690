"""Queue operations on the jobs table: claim, heartbeat and the fenced writes that end a run.

Every function takes the caller's session (or Core connection) and never commits. Each is one
statement (jobs.queue_sql); the worker commits each at once, so no transaction stays open
while a generator runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Update
from sqlalchemy.orm import Session

from core.db import rowcount, utcnow
from core.faults import Retry
from jobs.models import JobMode, JobState
from jobs.notify import notify_job_available
from jobs.outbox import Event, record
from jobs.queue_sql import RECLAIMED_STAGE as RECLAIMED_STAGE
from jobs.queue_sql import STARTING_STAGE as STARTING_STAGE
from jobs.queue_sql import STATEMENTS, Offset, Statements

LEASE_LOST_ERROR = "worker lost the job (lease expired)"
MAX_ERRORS_KEPT = 20
"""A job keeps its last this many errors; errors_dropped counts the older ones let go, so a job
postponed through a long outage does not grow without end."""
JITTER = 0.2
"""Backoff delays vary by up to this fraction either way, so retries do not move in lockstep."""

Executor = Session | Connection


@dataclass(frozen=True)
class ClaimedJob:
    """A claimed job as the worker sees it (queue_sql.CLAIMED_COLUMNS)."""

    id: int
    state: JobState
    attempt: int
    max_attempts: int
    locked_by: str | None
    lease_expires_at: datetime | None
    started_at: datetime | None
    stage: str
    errors: list[dict[str, Any]]
    errors_dropped: int
    claims: int
    """This claim's number: the token every fenced write of this run carries."""
    input_key: str
    room_type: str
    mode: JobMode
    style_snapshot: dict[str, Any]
    options: dict[str, Any]
    variants: int
    seed: int


def statements(executor: Executor) -> Statements:
    """The statements for the executor's dialect."""
    bind = executor if isinstance(executor, Connection) else executor.get_bind()
    return STATEMENTS[bind.dialect.name]


def _with_error(job: ClaimedJob, attempt: int, error: str) -> dict[str, Any]:
    """The error parameters of a write that appends this error: the list capped, and the count
    of entries dropped from its front."""
    entry = {"attempt": attempt, "at": utcnow().isoformat(), "error": error[:2000]}
    errors = [*job.errors, entry]
    dropped = max(0, len(errors) - MAX_ERRORS_KEPT)
    return {"new_errors": errors[dropped:], "new_errors_dropped": job.errors_dropped + dropped}


def claim(session: Executor, *, worker_id: str, lease_s: float) -> ClaimedJob | None:
    """Take the oldest expired lease, else the next pending job; None when there is none.

    A reclaimed job whose attempts are used up comes back already `failed`.
    """
    st = statements(session)
    params = {"worker_id": worker_id, **st.clock.params({Offset.LEASE: lease_s})}
    row = session.execute(st.claim, params).first()
    if row is None:
        return None
    job = ClaimedJob(**row._mapping)
    if st.note_claim is not None:
        session.execute(st.note_claim, {"job_id": job.id})
    if job.stage != RECLAIMED_STAGE:
        return job
    # Lost lease: append the error, and fail the job if no attempt is left.
    lost = st.fail_lost if job.attempt > job.max_attempts else st.note_lost
    params = {
        "job_id": job.id,
        "worker_id": worker_id,
        "claim": job.claims,
        **_with_error(job, job.attempt - 1, LEASE_LOST_ERROR),
        **st.clock.params(),
    }
    reclaimed = ClaimedJob(**session.execute(lost, params).one()._mapping)
    if reclaimed.state is JobState.FAILED:
        record(session, Event.JOB_FAILED, job.id)
    return reclaimed


@dataclass(frozen=True)
class Beat:
    """What a successful heartbeat learnt."""

    cancel_requested: bool


def heartbeat(
    session: Executor,
    *,
    job_id: int,
    claim: int,
    worker_id: str,
    lease_s: float,
    progress: int,
    stage: str,
) -> Beat | None:
    """Extend the lease of the job's claim number `claim` and save progress; None when that
    claim has lost the lease (write nothing more)."""
    st = statements(session)
    params = {
        "job_id": job_id,
        "claim": claim,
        "worker_id": worker_id,
        "new_progress": max(0, min(100, progress)),
        "new_stage": stage[:120],
        **st.clock.params({Offset.LEASE: lease_s}),
    }
    row = session.execute(st.heartbeat, params).first()
    return None if row is None else Beat(cancel_requested=row.cancel_requested_at is not None)


def _fenced(
    session: Executor, statement: Update, job: ClaimedJob, worker_id: str, **values: Any
) -> bool:
    """Run one fenced statement of statements(session); False when the lease was lost (0 rows)."""
    clock = statements(session).clock
    params = {
        "job_id": job.id,
        "claim": job.claims,
        "worker_id": worker_id,
        **values,
        **clock.params(),
    }
    return rowcount(session.execute(statement, params)) == 1


def complete(
    session: Executor,
    *,
    job: ClaimedJob,
    worker_id: str,
    result_keys: list[str],
    mask_key: str | None,
    seeds: list[int],
    generator: str,
    scores: list[dict[str, Any]] | None = None,
    room_type_guess: str | None = None,
    has_clean_copies: bool = False,
) -> bool:
    """Mark the job completed with its stored results; False when the lease was lost."""
    return _fenced(
        session,
        statements(session).complete,
        job,
        worker_id,
        new_result_keys=result_keys,
        new_mask_key=mask_key,
        new_seeds=seeds,
        new_scores=scores or [],
        new_room_type_guess=room_type_guess,
        generator_name=generator,
        new_has_clean_copies=has_clean_copies,
    ) and record(session, Event.JOB_COMPLETED, job.id)


def backoff_s(
    attempt: int, *, base_s: float, cap_s: float, rng: random.Random | None = None
) -> float:
    """Delay before the retry that follows `attempt`: min(cap, base*2^(attempt-1)) +/- 20%."""
    delay = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    return delay * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def fail(
    session: Executor,
    *,
    job: ClaimedJob,
    worker_id: str,
    error: str,
    retry: Retry,
    base_s: float,
    cap_s: float,
) -> JobState | None:
    """Record the attempt's error; back off to pending or fail for good. None: lease lost.

    RETRY uses up the attempt; POSTPONE gives it back (the backoff grows with each error
    recorded, so an outage of minutes is outlasted); FAIL, or no attempt left, is final.
    """
    errors = _with_error(job, job.attempt, error)
    st = statements(session)
    params = {"job_id": job.id, "claim": job.claims, "worker_id": worker_id, **errors}
    if retry is Retry.POSTPONE or (retry is Retry.RETRY and job.attempt < job.max_attempts):
        recorded = len(errors["new_errors"]) + errors["new_errors_dropped"]
        statement, tries = (
            (st.postpone, recorded) if retry is Retry.POSTPONE else (st.retry, job.attempt)
        )
        delay = backoff_s(tries, base_s=base_s, cap_s=cap_s)
        run_after = st.clock.params({Offset.DELAY: delay})
        if rowcount(session.execute(statement, {**params, **run_after})) != 1:
            return None
        notify_job_available(session)
        return JobState.PENDING
    done = _fenced(session, st.fail, job, worker_id, **errors)
    return JobState.FAILED if done and record(session, Event.JOB_FAILED, job.id) else None


def cancel(session: Executor, *, job: ClaimedJob, worker_id: str) -> bool:
    """End a running job whose cancel was requested; no results are kept."""
    return _fenced(session, statements(session).cancel, job, worker_id) and record(
        session, Event.JOB_CANCELLED, job.id
    )


def release(session: Executor, *, job: ClaimedJob, worker_id: str) -> bool:
    """Hand a running job back to the queue at once, without using up an attempt."""
    done = _fenced(session, statements(session).release, job, worker_id)
    if done:
        notify_job_available(session)
    return done
