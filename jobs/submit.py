"""Submitting jobs: validate the request, hold the quota, insert the job and store its photo."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.service import describe_reset, quota_for, quota_resets_at
from catalog.models import ROOM_TYPES, Style
from catalog.service import get_style, is_available
from core.db import utcnow
from core.errors import Conflict, Invalid, QuotaExceeded
from core.images import NormalisedImage
from core.settings import Settings
from core.storage import Storage, StorageError, job_input_key, job_prefix
from jobs.models import Job, JobMode, JobState
from jobs.notify import notify_job_available
from jobs.usage import jobs_today

log = logging.getLogger(__name__)

MAX_VARIANTS = 4
MAX_SEED = 2**32 - 1
MAX_LISTING_CHARS = 200
MAX_IDEMPOTENCY_KEY_CHARS = 200
# First key of the two-key advisory lock that guards one user's quota (second key: user id).
QUOTA_LOCK_NAMESPACE = 0x51_07


@dataclass(frozen=True)
class JobRequest:
    """What a client asks for; compared field by field when an idempotency key is reused."""

    style_slug: str
    room_type: str
    variants: int = 1
    seed: int | None = None
    listing: str | None = None
    mode: JobMode = JobMode.STAGE

    def check(self) -> None:
        """Raise Invalid for values out of range (the API's schema checks them too)."""
        if not self.mode.edits_photo:
            raise Invalid(
                f"mode '{self.mode.value}' is not done to an upload; "
                "ask a finished job for it (POST /jobs/{id}/videos)",
                field="mode",
            )
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
            "mode": job.mode,
        }
        ours: dict[str, Any] = {
            "style": self.style_slug,
            "room_type": self.room_type,
            "variants": self.variants,
            "listing": self.listing,
            "mode": self.mode,
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
    # A removal adds nothing in the style, so any room type will do.
    if request.mode.stages and request.room_type not in style.room_types:
        raise Invalid(
            f"style '{style.slug}' is not offered for {request.room_type}; "
            f"it suits {', '.join(style.room_types)}",
            field="room_type",
        )
    return style


def hold_user(session: Session, user: User) -> None:
    """Serialise this user's submissions and room guesses until the transaction ends, so their
    quota and rate checks cannot race."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :user_id)"),
            {"namespace": QUOTA_LOCK_NAMESPACE, "user_id": user.id},
        )
    else:
        # pysqlite reads outside a transaction; this no-op write opens one and takes the
        # database's write lock before the count, as the advisory lock does on PostgreSQL.
        session.execute(text("UPDATE users SET id = id WHERE id = :user_id"), {"user_id": user.id})


def check_quota(session: Session, user: User, settings: Settings) -> None:
    """Raise QuotaExceeded (429, with the reset time) when today's jobs are used up."""
    limit = quota_for(user, settings)
    hold_user(session, user)
    if jobs_today(session, user=user) < limit:
        return
    resets = quota_resets_at()
    retry_after = max(1, int((resets - utcnow()).total_seconds()))
    raise QuotaExceeded(
        f"daily quota of {limit} jobs used up; it resets {describe_reset(resets)}",
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
        # Taken before the lookup so that a concurrent twin of this request, once it commits,
        # is found here and replayed rather than counted against the quota.
        hold_user(session, user)
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
        mode=request.mode,
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
    store_photo(session, storage, key=job.input_key, data=data, prefix=job_prefix(job.id))


def store_photo(session: Session, storage: Storage, *, key: str, data: bytes, prefix: str) -> None:
    """Store a flushed record's photo, deleted again (with all under prefix) if the transaction
    rolls back, and wake a worker (503 if storage fails)."""
    try:
        storage.put(key, data, "image/jpeg")
    except (StorageError, OSError) as exc:
        raise StorageError(
            f"could not store {key}: {exc}",
            message="could not store the photo; nothing was saved, try again shortly",
        ) from exc
    _delete_on_rollback(session, storage, prefix)
    notify_job_available(session)
    session.flush()


def _delete_on_rollback(session: Session, storage: Storage, prefix: str) -> None:
    """Delete a stored photo again if the transaction that records it is rolled back."""
    if not event.contains(session, "after_rollback", _delete_stored):
        event.listen(session, "after_commit", _forget_stored)
        event.listen(session, "after_rollback", _delete_stored)
    session.info.setdefault(_STORED, (storage, []))[1].append(prefix)


# session.info key: (storage, job prefixes stored in the open transaction).
_STORED = "jobs.submit.stored"


def _forget_stored(session: Session) -> None:
    session.info.pop(_STORED, None)


def _delete_stored(session: Session) -> None:
    storage, prefixes = session.info.pop(_STORED, (None, []))
    for prefix in prefixes:
        try:
            storage.delete_prefix(prefix)
        except (StorageError, OSError):
            # Best effort: no row points at the file any more, so a leftover only costs space.
            log.warning("could not delete %s after a rollback", prefix, exc_info=True)
