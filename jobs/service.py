"""Reading, listing, cancelling and retrying jobs; the caller commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accounts.models import Role, User
from catalog.models import Style
from core.db import db_now, rowcount
from core.errors import Conflict, NotFound
from core.settings import Settings
from core.storage import Storage
from jobs.models import Job, JobClaim, JobMode, JobRetry, JobState
from jobs.notify import notify_job_available
from jobs.outbox import Event, record
from jobs.submit import check_quota

RETRYABLE = frozenset({JobState.FAILED, JobState.CANCELLED})
# How the worker records a photo that no attempt can read (worker/job_io.py).
UNREADABLE_MARK = "is not a readable image"

MAX_PER_PAGE = 100


def can_see_all_jobs(user: User) -> bool:
    return user.role.includes(Role.MERCHANDISER)


def get_job_for(session: Session, *, user: User, job_id: int) -> Job:
    """The job if this user may see it; others' jobs are NotFound to agents, not Forbidden."""
    job = session.get(Job, job_id)
    if job is None or (job.user_id != user.id and not can_see_all_jobs(user)):
        raise NotFound(f"job {job_id} not found")
    return job


@dataclass(frozen=True)
class Page:
    """One page of a listing and the total number of matches."""

    items: list[Job]
    total: int
    page: int
    per_page: int


def claim_history(session: Session, job_id: int) -> list[JobClaim]:
    """Every claim of the job, first first: which worker, which attempt, and whether it was a
    re-claim after a lease ran out (the same worker's included)."""
    return list(
        session.scalars(select(JobClaim).where(JobClaim.job_id == job_id).order_by(JobClaim.claim))
    )


def list_jobs(
    session: Session,
    *,
    user: User,
    state: JobState | None = None,
    mode: JobMode | None = None,
    listing: str | None = None,
    user_id: int | None = None,
    style_slug: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Newest first; agents always see only their own jobs. Videos are not listed: each shows
    on the page of the job it was asked of."""
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    query = select(Job).where(Job.mode != JobMode.VIDEO)
    if not can_see_all_jobs(user):
        query = query.where(Job.user_id == user.id)
    elif user_id is not None:
        query = query.where(Job.user_id == user_id)
    if state is not None:
        query = query.where(Job.state == state)
    if mode is not None:
        query = query.where(Job.mode == mode)
    if listing:
        query = query.where(Job.listing.ilike(f"%{listing.strip()}%"))
    if style_slug:
        query = query.where(Job.style_id.in_(select(Style.id).where(Style.slug == style_slug)))
    if created_from is not None:
        query = query.where(Job.created_at >= created_from)
    if created_to is not None:
        query = query.where(Job.created_at < created_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(rows), total, page, per_page)


def _transition(session: Session, job: Job, states: Collection[JobState], **values: Any) -> bool:
    """One guarded UPDATE, so a worker's concurrent claim or finish cannot be overwritten."""
    result = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(job)
    return bool(rowcount(result))


def cancel_job(session: Session, *, user: User, job_id: int) -> Job:
    """Pending: cancelled at once. Running: cancel requested, the worker stops it."""
    job = get_job_for(session, user=user, job_id=job_id)
    now = db_now(session)
    if _transition(
        session, job, {JobState.PENDING}, state=JobState.CANCELLED, finished_at=now
    ) and record(session, Event.JOB_CANCELLED, job.id):
        return job
    if _transition(
        session,
        job,
        {JobState.RUNNING},
        cancel_requested_at=func.coalesce(Job.cancel_requested_at, now),
    ):
        return job
    raise Conflict(f"job {job.id} is already {job.state.value}; it cannot be cancelled")


def retry_cannot_help(job: Job, *, photo_stored: bool) -> str | None:
    """Why running this job again cannot change its outcome; None when a retry can help.

    The one rule behind every Retry button (agent and staff pages) and the retry endpoints.
    """
    if job.state not in RETRYABLE:
        return f"it is {job.state.value}; only failed or cancelled jobs can be retried"
    if not photo_stored:
        return "its photo is no longer stored"
    last_error = job.errors[-1].get("error", "") if job.errors else ""
    if job.state is JobState.FAILED and UNREADABLE_MARK in last_error:
        return "its photo is not a readable image"
    return None


def retry_job(
    session: Session, *, user: User, job_id: int, settings: Settings, storage: Storage
) -> Job:
    """Put a failed or cancelled job back in the queue; a retry counts against the owner's quota."""
    job = get_job_for(session, user=user, job_id=job_id)
    if job.state in RETRYABLE and (
        why := retry_cannot_help(job, photo_stored=storage.exists(job.input_key))
    ):
        raise Conflict(f"job {job.id} cannot be retried: {why}")
    if job.state in RETRYABLE and not job.is_test:
        check_quota(session, session.get_one(User, job.user_id), settings)
        session.add(JobRetry(job_id=job.id, user_id=job.user_id))
    retried = _transition(
        session,
        job,
        RETRYABLE,
        state=JobState.PENDING,
        run_after=db_now(session),
        attempt=0,
        cancel_requested_at=None,
        finished_at=None,
        locked_by=None,
        lease_expires_at=None,
        progress=0,
        stage="",
    )
    if not retried:
        raise Conflict(
            f"job {job.id} is {job.state.value}; only failed or cancelled jobs can be retried"
        )
    notify_job_available(session)
    return job
