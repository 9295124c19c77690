"""The workers table: each worker registers, reports liveness and counts, and deregisters."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from core.db import db_now
from jobs.models import WorkerRecord


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


def beat(session: Session, *, worker_id: str, current_job_id: int | None) -> None:
    """The worker is alive and runs this job (or none)."""
    session.execute(
        update(WorkerRecord)
        .where(WorkerRecord.id == worker_id)
        .values(last_heartbeat_at=db_now(session), current_job_id=current_job_id)
        .execution_options(synchronize_session=False)
    )


def touch(session: Session, *, worker_id: str) -> None:
    """The worker is alive (its current job unchanged)."""
    session.execute(
        update(WorkerRecord)
        .where(WorkerRecord.id == worker_id)
        .values(last_heartbeat_at=db_now(session))
        .execution_options(synchronize_session=False)
    )


def finished(session: Session, *, worker_id: str, failed: bool) -> None:
    """Count an attempt that ended (`failed`: it ended in an error) and clear the current job."""
    counter = WorkerRecord.jobs_failed if failed else WorkerRecord.jobs_done
    session.execute(
        update(WorkerRecord)
        .where(WorkerRecord.id == worker_id)
        .values(
            {
                counter: counter + 1,
                WorkerRecord.last_heartbeat_at: db_now(session),
                WorkerRecord.current_job_id: None,
            }
        )
        .execution_options(synchronize_session=False)
    )


def deregister(session: Session, *, worker_id: str) -> None:
    """Remove this worker's row on a clean exit."""
    session.execute(delete(WorkerRecord).where(WorkerRecord.id == worker_id))
