"""Queue figures for clients and ops: position, estimated wait, counts, oldest pending age."""

from __future__ import annotations

import statistics
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.db import db_clock, utcnow
from core.settings import Settings
from jobs.models import Job, JobState, WorkerRecord

DURATION_SAMPLE = 20
# A worker that has not written a heartbeat for this many leases is presumed gone.
WORKER_LIVE_LEASES = 3


def queue_position(session: Session, job: Job) -> int | None:
    """Pending jobs that a worker will claim before this one (0 = next); None unless pending."""
    if job.state is not JobState.PENDING:
        return None
    ahead = and_(
        Job.state == JobState.PENDING,
        Job.id != job.id,
        or_(
            Job.priority < job.priority,
            and_(
                Job.priority == job.priority,
                or_(
                    Job.run_after < job.run_after,
                    and_(Job.run_after == job.run_after, Job.id < job.id),
                ),
            ),
        ),
    )
    return session.scalar(select(func.count()).select_from(Job).where(ahead)) or 0


def median_duration_s(session: Session) -> float | None:
    """Median run time of the last completed jobs; None without history."""
    rows = session.execute(
        select(Job.started_at, Job.finished_at)
        .where(
            Job.state == JobState.COMPLETED,
            Job.started_at.is_not(None),
            Job.finished_at.is_not(None),
        )
        .order_by(Job.finished_at.desc())
        .limit(DURATION_SAMPLE)
    ).all()
    durations = [(finished - started).total_seconds() for started, finished in rows]
    return statistics.median(durations) if durations else None


def fleet_status(session: Session, settings: Settings) -> list[tuple[WorkerRecord, bool]]:
    """Every registered worker, oldest first, with whether it is stale (no recent heartbeat)."""
    live_after = db_clock(session) - timedelta(seconds=settings.lease_s * WORKER_LIVE_LEASES)
    workers = session.scalars(
        select(WorkerRecord).order_by(WorkerRecord.started_at, WorkerRecord.id)
    ).all()
    return [(worker, worker.last_heartbeat_at < live_after) for worker in workers]


def live_workers(session: Session, settings: Settings) -> int:
    """Workers with a recent heartbeat."""
    return sum(not stale for _, stale in fleet_status(session, settings))


def estimated_wait_s(session: Session, job: Job, settings: Settings) -> float | None:
    """Seconds until the results are likely ready; None for final jobs or without history."""
    if job.state.is_final:
        return None
    median = median_duration_s(session)
    if median is None:
        return None
    if job.state is JobState.RUNNING:
        elapsed = (utcnow() - job.started_at).total_seconds() if job.started_at else 0.0
        return round(max(0.0, median - elapsed), 1)
    position = queue_position(session, job) or 0
    workers = max(1, live_workers(session, settings))
    return round(median * (position / workers + 1), 1)


def counts_by_state(session: Session) -> dict[JobState, int]:
    """How many jobs are in each state (every state present, zero included)."""
    counts = dict.fromkeys(JobState, 0)
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state))
    for state, count in rows:
        counts[JobState(state)] = count
    return counts


def oldest_pending_age_s(session: Session) -> float | None:
    """Seconds since the run_after of the longest-waiting runnable pending job; None if none."""
    now = db_clock(session)
    oldest = session.scalar(
        select(func.min(Job.run_after)).where(Job.state == JobState.PENDING, Job.run_after <= now)
    )
    if oldest is None:
        return None
    return max(0.0, (now - oldest).total_seconds())
