"""The workers table: each worker registers, reports liveness and counts, and deregisters."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.db import db_clock, db_now, rowcount
from jobs import departures
from jobs.models import Departure, WorkerRecord
from jobs.queue import Executor, statements


class AttemptEnd(StrEnum):
    """How an attempt ended, as the worker's counters see it."""

    COMPLETED = "completed"  # counted in jobs_done
    FAILED = "failed"  # ended in an error, retried or final: counted in jobs_failed
    STOPPED = "stopped"  # cancelled, released or abandoned: not counted


def register(
    session: Session,
    *,
    worker_id: str,
    host: str,
    pid: int,
    generator: str,
    version: str,
    gpu_name: str | None = None,
    gpu_memory_mb: int | None = None,
) -> None:
    """Add (or replace, after a crash with the same id) this worker's row."""
    now = db_now(session)
    session.execute(delete(WorkerRecord).where(WorkerRecord.id == worker_id))
    session.add(
        WorkerRecord(
            id=worker_id,
            host=host,
            pid=pid,
            generator=generator,
            version=version,
            gpu_name=gpu_name,
            gpu_memory_mb=gpu_memory_mb,
            started_at=now,
            last_heartbeat_at=now,
            jobs_done=0,
            jobs_failed=0,
            note="",
        )
    )
    session.flush()


def beat(session: Executor, *, worker_id: str, current_job_id: int | None) -> bool:
    """The worker is alive and runs this job (or none); False when its row is gone."""
    st = statements(session)
    params = {"worker_id": worker_id, "job_id": current_job_id, **st.clock.params()}
    return rowcount(session.execute(st.fleet_beat, params)) == 1


def touch(session: Executor, *, worker_id: str) -> bool:
    """The worker is alive (its current job unchanged); True when staff asked it to drain."""
    st = statements(session)
    session.execute(st.fleet_touch, {"worker_id": worker_id, **st.clock.params()})
    return draining(session, worker_id=worker_id)


def draining(session: Executor, *, worker_id: str) -> bool:
    """Whether staff asked this worker to finish its job, claim no more and exit."""
    query = select(WorkerRecord.drain_requested_at).where(WorkerRecord.id == worker_id)
    return session.execute(query).scalar() is not None


def request_drain(session: Session, *, worker_id: str) -> bool:
    """Flag a worker for draining; False when there is no such worker."""
    flagged = session.execute(
        update(WorkerRecord)
        .where(WorkerRecord.id == worker_id, WorkerRecord.drain_requested_at.is_(None))
        .values(drain_requested_at=db_now(session))
    )
    return rowcount(flagged) == 1 or session.get(WorkerRecord, worker_id) is not None


def finished(
    session: Executor, *, worker_id: str, end: AttemptEnd, current_job_id: int | None = None
) -> None:
    """An attempt ended: count it by how it ended.

    current_job_id is the job claimed in the same transaction, if any.
    """
    st = statements(session)
    statement = {
        AttemptEnd.COMPLETED: st.fleet_done,
        AttemptEnd.FAILED: st.fleet_failed,
        AttemptEnd.STOPPED: st.fleet_beat,
    }[end]
    params = {"worker_id": worker_id, "job_id": current_job_id, **st.clock.params()}
    session.execute(statement, params)


def prune_stale(session: Session, *, silent_s: float) -> int:
    """Delete the rows of workers silent for silent_s (killed without deregistering)."""
    cutoff = db_clock(session) - timedelta(seconds=silent_s)
    silent = WorkerRecord.last_heartbeat_at < cutoff
    departures.record(session, silent, Departure.REMOVED)
    return rowcount(session.execute(delete(WorkerRecord).where(silent)))


def deregister(session: Executor, *, worker_id: str) -> None:
    """Remove this worker's row on a clean exit (recorded as drained or stopped for a day)."""
    departures.record(session, WorkerRecord.id == worker_id)
    session.execute(statements(session).fleet_delete, {"worker_id": worker_id})
