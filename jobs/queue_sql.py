"""The queue's statements, built once per dialect at import and run with bound parameters.

Built once, each statement compiles once (SQLAlchemy's compiled cache) and, on a connection
that is reused, psycopg prepares it server-side after a few runs, so a claim costs a round
trip and little Python. Parameter names never equal a column name: SQLAlchemy would add such
a parameter to the SET clause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Delete,
    Insert,
    Interval,
    Select,
    Update,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from core.db import JSONType, UTCDateTime, utcnow
from jobs.models import Job, JobClaim, JobState, WorkerRecord

STARTING_STAGE = "Starting"
RECLAIMED_STAGE = "Restarting: the previous worker lost the job"

jobs = Job.metadata.tables[Job.__tablename__]
workers = WorkerRecord.metadata.tables[WorkerRecord.__tablename__]
job_claims = JobClaim.metadata.tables[JobClaim.__tablename__]

CLAIMED_COLUMNS = (
    jobs.c.id,
    jobs.c.state,
    jobs.c.attempt,
    jobs.c.max_attempts,
    jobs.c.locked_by,
    jobs.c.lease_expires_at,
    jobs.c.started_at,
    jobs.c.stage,
    jobs.c.errors,
    jobs.c.errors_dropped,
    jobs.c.claims,
    jobs.c.input_key,
    jobs.c.room_type,
    jobs.c.mode,
    jobs.c.style_snapshot,
    jobs.c.options,
    jobs.c.variants,
    jobs.c.seed,
)
"""What a claim hands to the worker: the job's identity, its attempt and its inputs."""


class Offset(StrEnum):
    """A time some seconds from now that a statement binds (the value is its parameter's name)."""

    LEASE = "lease"  # when the lease that a claim or heartbeat grants runs out
    DELAY = "delay"  # when a retried or postponed job may run again


_NOW = "clock"
"""On SQLite, the parameter that carries now(), computed in Python."""


@dataclass(frozen=True)
class Clock:
    """now() and now()+offset: the database's clock on PostgreSQL, bound values on SQLite.

    On PostgreSQL an offset parameter is a timedelta; on SQLite every time parameter is an
    absolute UTC datetime computed in Python (see params()).
    """

    now: ColumnElement
    in_db: bool

    def plus(self, offset: Offset) -> ColumnElement:
        if self.in_db:
            return self.now + bindparam(offset.value, type_=Interval())
        return bindparam(offset.value, type_=UTCDateTime())

    def params(self, offsets: Mapping[Offset, float] | None = None) -> dict[str, Any]:
        """The time parameters of one execution: each offset in seconds (and now, on SQLite)."""
        offsets = offsets or {}
        if self.in_db:
            return {offset.value: timedelta(seconds=s) for offset, s in offsets.items()}
        now = utcnow()
        return {
            _NOW: now,
            **{offset.value: now + timedelta(seconds=s) for offset, s in offsets.items()},
        }


def _fenced() -> ColumnElement[bool]:
    """Only the claim that holds the running job may write to it: the same worker's earlier
    claim of the job is refused too (claims moves on with every claim)."""
    return (
        (jobs.c.id == bindparam("job_id"))
        & (jobs.c.state == JobState.RUNNING)
        & (jobs.c.locked_by == bindparam("worker_id"))
        & (jobs.c.claims == bindparam("claim"))
    )


_HISTORY = ("job_id", "claim", "worker_id", "attempt", "reclaimed", "claimed_at")
"""job_claims' columns, as the claim's history entry fills them."""


def _history_row(claimed: Any) -> Any:
    """The history entry of a claimed row (the claim's own columns, read after its SET)."""
    return select(
        claimed.c.id,
        claimed.c.claims,
        claimed.c.locked_by,
        claimed.c.attempt,
        claimed.c.stage == RECLAIMED_STAGE,
        claimed.c.started_at,
    )


class Statements:
    """Every queue and fleet statement for one dialect."""

    def __init__(self, clock: Clock, *, dml_ctes: bool) -> None:
        self.clock = clock
        now = clock.now
        expired = (
            select(jobs.c.id)
            .where(jobs.c.state == JobState.RUNNING, jobs.c.lease_expires_at < now)
            .order_by(jobs.c.lease_expires_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        pending = (
            select(jobs.c.id)
            .where(jobs.c.state == JobState.PENDING, jobs.c.run_after <= now)
            .order_by(jobs.c.priority, jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        # Claim: one statement; the oldest expired lease first, else the oldest runnable
        # pending job (by id: a retried job keeps its place once its backoff is over).
        # SET reads the old row, so the stage records a reclaim. Every claim adds one to
        # claims (the fence's token) and a job_claims row: in the same statement where the
        # dialect has data-modifying CTEs, else by note_claim right after it.
        claimed = (
            update(jobs)
            .where(jobs.c.id == func.coalesce(expired, pending))
            .values(
                state=JobState.RUNNING,
                attempt=jobs.c.attempt + 1,
                claims=jobs.c.claims + 1,
                locked_by=bindparam("worker_id"),
                lease_expires_at=clock.plus(Offset.LEASE),
                started_at=now,  # this attempt's start: durations count the run, not the waits
                updated_at=now,
                progress=0,
                stage=case(
                    (jobs.c.state == JobState.RUNNING, RECLAIMED_STAGE), else_=STARTING_STAGE
                ),
            )
            .returning(*CLAIMED_COLUMNS)
        )
        self.claim: Update | Select[Any] = claimed
        self.note_claim: Insert | None = None
        if dml_ctes:
            row = claimed.cte("claimed")
            noted = insert(job_claims).from_select(_HISTORY, _history_row(row)).cte("noted")
            self.claim = select(row).add_cte(noted)
        else:
            # The claim's history entry, from the row just claimed (SQLite).
            self.note_claim = insert(job_claims).from_select(
                _HISTORY, _history_row(jobs).where(jobs.c.id == bindparam("job_id"))
            )
        # Lost lease noted: append the previous attempt's error (the job stays running).
        self.note_lost = (
            update(jobs)
            .where(_fenced())
            .values(
                errors=bindparam("new_errors", type_=JSONType),
                errors_dropped=bindparam("new_errors_dropped"),
                updated_at=now,
            )
            .returning(*CLAIMED_COLUMNS)
        )
        # Lost lease, last attempt: fail the job with the error appended; attempt goes back.
        self.fail_lost = (
            update(jobs)
            .where(_fenced())
            .values(
                errors=bindparam("new_errors", type_=JSONType),
                errors_dropped=bindparam("new_errors_dropped"),
                attempt=jobs.c.attempt - 1,
                stage="Failed",
                **self._final(now, JobState.FAILED),
            )
            .returning(*CLAIMED_COLUMNS)
        )
        # Heartbeat: fenced lease extension + progress, reading cancel_requested_at back.
        self.heartbeat = (
            update(jobs)
            .where(_fenced())
            .values(
                lease_expires_at=clock.plus(Offset.LEASE),
                progress=bindparam("new_progress"),
                stage=bindparam("new_stage"),
                updated_at=now,
            )
            .returning(jobs.c.cancel_requested_at)
        )
        # Complete: fenced; makes the attempt's keys, already in storage, the job's results.
        self.complete = (
            update(jobs)
            .where(_fenced())
            .values(
                result_keys=bindparam("new_result_keys", type_=JSONType),
                mask_key=bindparam("new_mask_key"),
                result_seeds=bindparam("new_seeds", type_=JSONType),
                result_scores=bindparam("new_scores", type_=JSONType),
                room_type_guess=bindparam("new_room_type_guess"),
                generator=bindparam("generator_name"),
                has_clean_copies=bindparam("new_has_clean_copies"),
                progress=100,
                stage="Done",
                **self._final(now, JobState.COMPLETED),
            )
        )
        # Retry: fenced; back to pending after the backoff, with the attempt's error appended.
        self.retry = (
            update(jobs)
            .where(_fenced())
            .values(
                state=JobState.PENDING,
                run_after=clock.plus(Offset.DELAY),
                updated_at=now,
                locked_by=None,
                lease_expires_at=None,
                stage="Waiting to retry",
                errors=bindparam("new_errors", type_=JSONType),
                errors_dropped=bindparam("new_errors_dropped"),
            )
        )
        # Postpone: fenced; like retry, but the attempt goes back down (an outage, not the job).
        self.postpone = (
            update(jobs)
            .where(_fenced())
            .values(
                state=JobState.PENDING,
                attempt=jobs.c.attempt - 1,
                run_after=clock.plus(Offset.DELAY),
                updated_at=now,
                locked_by=None,
                lease_expires_at=None,
                progress=0,
                stage="Waiting for storage or database",
                errors=bindparam("new_errors", type_=JSONType),
                errors_dropped=bindparam("new_errors_dropped"),
            )
        )
        # Fail for good: fenced; the attempt's error is appended.
        self.fail = (
            update(jobs)
            .where(_fenced())
            .values(
                stage="Failed",
                errors=bindparam("new_errors", type_=JSONType),
                errors_dropped=bindparam("new_errors_dropped"),
                **self._final(now, JobState.FAILED),
            )
        )
        # Cancel: fenced; honours cancel_requested_at seen by the heartbeat.
        self.cancel = (
            update(jobs)
            .where(_fenced())
            .values(stage="Cancelled", **self._final(now, JobState.CANCELLED))
        )
        # Release on shutdown: fenced; attempt goes back down, no error is recorded.
        self.release = (
            update(jobs)
            .where(_fenced())
            .values(
                state=JobState.PENDING,
                attempt=jobs.c.attempt - 1,
                run_after=now,
                updated_at=now,
                locked_by=None,
                lease_expires_at=None,
                progress=0,
                stage="Queued",
            )
        )
        worker = workers.c.id == bindparam("worker_id")
        # Fleet: the worker is alive and runs this job (or none).
        self.fleet_beat = (
            update(workers)
            .where(worker)
            .values(last_heartbeat_at=now, current_job_id=bindparam("job_id"))
        )
        # Fleet: the worker is alive (its current job unchanged).
        self.fleet_touch = update(workers).where(worker).values(last_heartbeat_at=now)
        # Fleet: an attempt ended; count it and note the next job claimed with it (or none).
        self.fleet_done, self.fleet_failed = (
            update(workers)
            .where(worker)
            .values(
                {
                    counter: counter + 1,
                    "last_heartbeat_at": now,
                    "current_job_id": bindparam("job_id"),
                }
            )
            for counter in (workers.c.jobs_done, workers.c.jobs_failed)
        )
        self.fleet_delete: Delete = delete(workers).where(worker)

    @staticmethod
    def _final(now: ColumnElement, state: JobState) -> dict[str, object]:
        """Columns every end state sets: the state, the finish time, and no lock."""
        return {
            "state": state,
            "finished_at": now,
            "updated_at": now,
            "locked_by": None,
            "lease_expires_at": None,
        }


STATEMENTS = {
    "postgresql": Statements(Clock(func.now(), in_db=True), dml_ctes=True),
    "sqlite": Statements(Clock(bindparam(_NOW, type_=UTCDateTime()), in_db=False), dml_ctes=False),
}
