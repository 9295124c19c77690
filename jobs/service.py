"""Job operations the API offers: submit, read, list, cancel, retry; the caller commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Role, User
from accounts.service import jobs_today, quota_for, quota_resets_at
from catalog.models import ROOM_TYPES, Style
from catalog.service import get_style, is_available
from core.db import db_now, utcnow
from core.errors import Conflict, Invalid, NotFound, QuotaExceeded, Unavailable
from core.images import NormalisedImage
from core.settings import Settings
from core.storage import Storage, StorageError, job_input_key
from jobs.models import Job, JobState
from jobs.notify import notify_job_available

MAX_VARIANTS = 4
MAX_SEED = 2**32 - 1
MAX_LISTING_CHARS = 200
MAX_IDEMPOTENCY_KEY_CHARS = 200
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class JobRequest:
    """What a client asks for; compared field by field when an idempotency key is reused."""

    style_slug: str
    room_type: str
    variants: int = 1
    seed: int | None = None
    listing: str | None = None

    def check(self) -> None:
        """Raise Invalid for values out of range (the API's schema checks them too)."""
        if not 1 <= self.variants <= MAX_VARIANTS:
            raise Invalid(f"variants must be between 1 and {MAX_VARIANTS}", field="variants")
        if self.seed is not None and not 0 <= self.seed <= MAX_SEED:
            raise Invalid(f"seed must be between 0 and {MAX_SEED}", field="seed")
        if self.listing is not None and len(self.listing) > MAX_LISTING_CHARS:
            raise Invalid(
                f"listing must be at most {MAX_LISTING_CHARS} characters", field="listing"
            )

    def differences(self, job: Job) -> list[str]:
        """The fields in which an earlier job differs from this request."""
        theirs: dict[str, Any] = {
            "style": job.style_snapshot.get("slug"),
            "room_type": job.room_type,
            "variants": job.variants,
            "listing": job.listing,
        }
        ours: dict[str, Any] = {
            "style": self.style_slug,
            "room_type": self.room_type,
            "variants": self.variants,
            "listing": self.listing,
        }
        if self.seed is not None:
            theirs["seed"], ours["seed"] = job.seed, self.seed
        return [name for name in ours if ours[name] != theirs[name]]


def _replay(job: Job, request: JobRequest) -> Job:
    differences = request.differences(job)
    if differences:
        raise Conflict(
            f"Idempotency-Key already used for job {job.id} with different "
            f"{', '.join(differences)}; use a new key for a new request",
            code="idempotency_conflict",
        )
    return job


def _find_by_key(session: Session, user: User, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.user_id == user.id, Job.idempotency_key == key))


def available_style(session: Session, request: JobRequest) -> Style:
    """The requested style if new jobs may use it for the requested room type."""
    style = get_style(session, request.style_slug)
    if style is None or not is_available(style):
        raise Invalid(f"style '{request.style_slug}' is not available", field="style")
    if request.room_type not in ROOM_TYPES:
        raise Invalid(
            f"unknown room type '{request.room_type}'; use one of {', '.join(ROOM_TYPES)}",
            field="room_type",
        )
    if request.room_type not in style.room_types:
        raise Invalid(
            f"style '{style.slug}' is not offered for {request.room_type}; "
            f"it suits {', '.join(style.room_types)}",
            field="room_type",
        )
    return style


def check_quota(session: Session, user: User, settings: Settings) -> None:
    """Raise QuotaExceeded (429, with the reset time) when today's jobs are used up."""
    limit = quota_for(user, settings)
    if jobs_today(session, user=user) < limit:
        return
    resets = quota_resets_at()
    retry_after = max(1, int((resets - utcnow()).total_seconds()))
    raise QuotaExceeded(
        f"daily quota of {limit} jobs used up; it resets at {resets.isoformat()} (UTC midnight)",
        headers={"Retry-After": str(retry_after)},
    )


def create_job(
    session: Session,
    *,
    user: User,
    request: JobRequest,
    idempotency_key: str | None,
    image: NormalisedImage,
    storage: Storage,
    settings: Settings,
) -> tuple[Job, bool]:
    """Insert a pending job and store its photo; (job, False) when the key was seen before."""
    request.check()
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_CHARS:
            raise Invalid(
                f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} characters",
                field="Idempotency-Key",
            )
        # A replay answers with the job it made, even after quota or catalog changes.
        existing = _find_by_key(session, user, idempotency_key)
        if existing is not None:
            return _replay(existing, request), False
    style = available_style(session, request)
    check_quota(session, user, settings)
    job = new_job(
        user=user, style=style, request=request, size=(image.width, image.height), settings=settings
    )
    job.idempotency_key = idempotency_key
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        # A concurrent request with the same key won the insert.
        existing = _find_by_key(session, user, idempotency_key or "")
        if existing is None:
            raise
        return _replay(existing, request), False
    store_input(session, job, image.data, storage)
    return job, True


def new_job(
    *, user: User, style: Style, request: JobRequest, size: tuple[int, int], settings: Settings
) -> Job:
    """An unsaved pending job with the style's snapshot and the photo's size."""
    return Job(
        user_id=user.id,
        style_id=style.id,
        style_snapshot=style.snapshot(),
        room_type=request.room_type,
        variants=request.variants,
        seed=secrets.randbelow(MAX_SEED + 1) if request.seed is None else request.seed,
        listing=request.listing or None,
        state=JobState.PENDING,
        max_attempts=settings.max_attempts,
        input_key="",
        input_width=size[0],
        input_height=size[1],
    )


def store_input(session: Session, job: Job, data: bytes, storage: Storage) -> None:
    """Store a flushed job's photo under its key and wake a worker (503 if storage fails)."""
    job.input_key = job_input_key(job.id)
    try:
        storage.put(job.input_key, data, "image/jpeg")
    except (StorageError, OSError) as exc:
        raise Unavailable(
            f"could not store the photo ({exc}); nothing was saved, try again shortly"
        ) from exc
    notify_job_available(session)
    session.flush()


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


def list_jobs(
    session: Session,
    *,
    user: User,
    state: JobState | None = None,
    listing: str | None = None,
    user_id: int | None = None,
    style_slug: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Newest first; agents always see only their own jobs."""
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    query = select(Job)
    if not can_see_all_jobs(user):
        query = query.where(Job.user_id == user.id)
    elif user_id is not None:
        query = query.where(Job.user_id == user_id)
    if state is not None:
        query = query.where(Job.state == state)
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


def _transition(session: Session, job: Job, states: set[JobState], **values: Any) -> bool:
    """One guarded UPDATE, so a worker's concurrent claim or finish cannot be overwritten."""
    result = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.state.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(job)
    return bool(result.rowcount)


def cancel_job(session: Session, *, user: User, job_id: int) -> Job:
    """Pending: cancelled at once. Running: cancel requested, the worker stops it."""
    job = get_job_for(session, user=user, job_id=job_id)
    now = db_now(session)
    if _transition(
        session, job, {JobState.PENDING}, state=JobState.CANCELLED, finished_at=now
    ) or _transition(
        session,
        job,
        {JobState.RUNNING},
        cancel_requested_at=func.coalesce(Job.cancel_requested_at, now),
    ):
        return job
    raise Conflict(f"job {job.id} is already {job.state.value}; it cannot be cancelled")


def retry_job(session: Session, *, user: User, job_id: int) -> Job:
    """Put a failed or cancelled job back in the queue with a fresh set of attempts."""
    job = get_job_for(session, user=user, job_id=job_id)
    retried = _transition(
        session,
        job,
        {JobState.FAILED, JobState.CANCELLED},
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
