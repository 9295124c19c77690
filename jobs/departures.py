"""Workers that left the fleet, kept for a day after their row is deleted, so that staff can see
that a worker was drained, stopped or removed rather than watch it vanish."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, case, delete, insert, literal, select
from sqlalchemy.orm import Session

from core.db import UTCDateTime, utcnow
from jobs.models import Departure, WorkerDeparture, WorkerRecord
from jobs.queue import Executor

KEPT_FOR = timedelta(days=1)
_COPIED = (
    "worker_id",
    "host",
    "generator",
    "version",
    "gpu_name",
    "started_at",
    "jobs_done",
    "jobs_failed",
    "drain_requested_at",
)


def record(executor: Executor, where: ColumnElement[bool], how: Departure | None = None) -> None:
    """Copy the worker rows `where` selects before they are deleted; `how` None: drained when
    staff asked for it, else stopped. Records older than a day go at the same time."""
    now = utcnow()
    how_column = (
        literal(how.value)
        if how is not None
        else case(
            (WorkerRecord.drain_requested_at.is_not(None), Departure.DRAINED.value),
            else_=Departure.STOPPED.value,
        )
    )
    rows = select(
        WorkerRecord.id,
        WorkerRecord.host,
        WorkerRecord.generator,
        WorkerRecord.version,
        WorkerRecord.gpu_name,
        WorkerRecord.started_at,
        WorkerRecord.jobs_done,
        WorkerRecord.jobs_failed,
        WorkerRecord.drain_requested_at,
        how_column,
        literal(now, UTCDateTime()),
    ).where(where)
    executor.execute(insert(WorkerDeparture).from_select([*_COPIED, "how", "left_at"], rows))
    executor.execute(delete(WorkerDeparture).where(WorkerDeparture.left_at < now - KEPT_FOR))


def recent(session: Session) -> list[WorkerDeparture]:
    """Workers that left in the last day, latest first."""
    query = select(WorkerDeparture).where(WorkerDeparture.left_at >= utcnow() - KEPT_FOR)
    return list(session.scalars(query.order_by(WorkerDeparture.left_at.desc())))
