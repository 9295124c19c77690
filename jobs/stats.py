"""Queue figures for clients and ops: position, estimated wait, counts, oldest pending age."""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import db_clock, utcnow
from core.settings import Settings
from jobs.models import Job, JobState, WorkerRecord

DURATION_SAMPLE = 20
# A worker that has not written a heartbeat for this many leases is presumed gone.
WORKER_LIVE_LEASES = 3


def queue_positions(session: Session, job_ids: Collection[int]) -> dict[int, int]:
    """For each pending job among `job_ids`, how many pending jobs a worker claims before it."""
    if not job_ids:
        return {}
    ranked = (
        select(
            Job.id,
            (func.row_number().over(order_by=(Job.priority, Job.id)) - 1).label("ahead"),
        )
        .where(Job.state == JobState.PENDING)
        .subquery()
    )
    rows = session.execute(select(ranked.c.id, ranked.c.ahead).where(ranked.c.id.in_(job_ids)))
    return {job_id: ahead for job_id, ahead in rows}


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
    durations = [
        (finished - started).total_seconds()
        for started, finished in rows
        if started is not None and finished is not None
    ]
    return statistics.median(durations) if durations else None


def _live_after(session: Session, settings: Settings) -> datetime:
    """A worker whose last heartbeat is older than this is stale."""
    return db_clock(session) - timedelta(seconds=settings.lease_s * WORKER_LIVE_LEASES)


def fleet_status(session: Session, settings: Settings) -> list[tuple[WorkerRecord, bool]]:
    """Every registered worker, oldest first, with whether it is stale (no recent heartbeat)."""
    live_after = _live_after(session, settings)
    workers = session.scalars(
        select(WorkerRecord).order_by(WorkerRecord.started_at, WorkerRecord.id)
    ).all()
    return [(worker, worker.last_heartbeat_at < live_after) for worker in workers]


@dataclass(frozen=True)
class FleetState:
    """How many workers are alive, and how many of those were asked to drain."""

    live: int
    draining: int

    @property
    def taking_jobs(self) -> int:
        """Live workers that still claim new jobs."""
        return self.live - self.draining

    @property
    def paused_reason(self) -> str | None:
        """Why no job can start, for staff; None while some worker takes jobs."""
        if self.taking_jobs > 0:
            return None
        if not self.live:
            return "No live workers: every worker has stopped or stopped sending heartbeats."
        return f"All {self.live} live worker(s) are draining: they finish their job and exit."


def fleet_state(session: Session, settings: Settings) -> FleetState:
    """Live workers and how many of them drain, counted in one query."""
    live_after = _live_after(session, settings)
    live, draining = session.execute(
        select(func.count(), func.count(WorkerRecord.drain_requested_at)).where(
            WorkerRecord.last_heartbeat_at >= live_after
        )
    ).one()
    return FleetState(live=live, draining=draining)


@dataclass(frozen=True)
class QueueFigures:
    """Queue positions and wait estimates for a set of jobs, read in a fixed number of queries."""

    positions: dict[int, int]
    median_s: float | None
    fleet: FleetState | None
    """None when no job asked about is waiting or running."""

    @classmethod
    def read(cls, session: Session, jobs: Sequence[Job], settings: Settings | None) -> QueueFigures:
        """Read what `jobs` need; settings None skips the wait estimate's figures."""
        pending = [job.id for job in jobs if job.state is JobState.PENDING]
        positions = queue_positions(session, pending)
        waiting = settings is not None and any(not job.state.is_final for job in jobs)
        median = median_duration_s(session) if waiting else None
        fleet = fleet_state(session, settings) if waiting and settings else None
        return cls(positions, median, fleet)

    @property
    def paused(self) -> bool:
        """No live worker takes jobs, so no waiting job can start."""
        return self.fleet is not None and self.fleet.taking_jobs == 0

    def position(self, job: Job) -> int | None:
        """Pending jobs a worker claims before this one (0 = next); None unless pending."""
        if job.state is not JobState.PENDING:
            return None
        return self.positions.get(job.id, 0)

    def wait_s(self, job: Job) -> float | None:
        """Seconds until the results are likely ready; None for final jobs, without history, or
        while no worker takes jobs (no estimate is better than a false one)."""
        if job.state.is_final or self.median_s is None or self.fleet is None:
            return None
        if job.state is JobState.PENDING and self.paused:
            return None
        if job.state is JobState.RUNNING:
            elapsed = (utcnow() - job.started_at).total_seconds() if job.started_at else 0.0
            return round(max(0.0, self.median_s - elapsed), 1)
        position = self.position(job) or 0
        # A job waiting out a retry backoff cannot start before its run_after.
        not_before = max(0.0, (job.run_after - utcnow()).total_seconds())
        workers = max(1, self.fleet.taking_jobs)
        return round(not_before + self.median_s * (position / workers + 1), 1)


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
