"""Reveal videos as jobs: an agent asks a finished job (or its whole listing) for a video, the
API inserts a pending job of mode `video`, and a worker renders it (worker/video_job.py).

Everything the worker needs is frozen into the job's snapshot when it is asked for: the shapes,
each photo's original and chosen result (their storage keys), the kind of alteration each photo
discloses and the brokerage's branding. The worker reads storage only, and a retry renders the
same video. One MP4 per shape is the job's result, in the order the shapes were asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.brokerage import get_brokerage
from accounts.models import User
from core import disclosure
from core.errors import Conflict, Invalid
from core.settings import Settings
from core.storage import attempt_prefix, rendition_key
from jobs.derived import original_photo_key
from jobs.models import Job, JobMode, JobState
from jobs.notify import notify_job_available
from jobs.service import get_job_for
from jobs.shares import ShareLink, ShareScope, listing_jobs
from jobs.submit import check_quota

SNAPSHOT_KEY = "video"
MAX_PHOTOS = 30
"""The most photos one video shows: worker.video.timeline.max_photos() (60 s at 2 s a photo)."""


class VideoShape(StrEnum):
    """The frame a video is rendered for (worker.video.render has the sizes)."""

    LANDSCAPE = "landscape"  # 1920x1080: the listing page, YouTube
    VERTICAL = "vertical"  # 1080x1920: stories and reels


@dataclass(frozen=True)
class VideoPhoto:
    """One photo of a video: the real room, the chosen result, and what the result discloses."""

    job_id: int
    before_key: str
    after_key: str
    kind: str


@dataclass(frozen=True)
class VideoSpec:
    """What a video job renders (its snapshot, read back)."""

    scope: ShareScope
    shapes: list[VideoShape]
    photos: list[VideoPhoto]
    brokerage: str
    logo_key: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope.value,
            "shapes": [shape.value for shape in self.shapes],
            "photos": [vars(photo) for photo in self.photos],
            "brokerage": self.brokerage,
            "logo_key": self.logo_key,
        }

    @classmethod
    def of(cls, job: Job | Any) -> VideoSpec:
        """The spec of a video job (a Job or a claimed job)."""
        data = job.style_snapshot[SNAPSHOT_KEY]
        return cls(
            scope=ShareScope(data["scope"]),
            shapes=[VideoShape(shape) for shape in data["shapes"]],
            photos=[VideoPhoto(**photo) for photo in data["photos"]],
            brokerage=data.get("brokerage") or "",
            logo_key=data.get("logo_key"),
        )


def video_key(job_id: int, attempt: int, shape: VideoShape) -> str:
    """Where one attempt writes the video of one shape."""
    return f"{attempt_prefix(job_id, attempt)}{shape.value}.mp4"


def _shapes(names: list[str]) -> list[VideoShape]:
    known = ", ".join(shape.value for shape in VideoShape)
    if not names:
        raise Invalid(f"ask for at least one shape: {known}", field="shapes")
    shapes = []
    for name in names:
        if name not in VideoShape.__members__.values():
            raise Invalid(f"unknown shape '{name}'; use {known}", field="shapes")
        if VideoShape(name) not in shapes:
            shapes.append(VideoShape(name))
    return shapes


def _photo(session: Session, job: Job, variant: int) -> VideoPhoto:
    key = job.result_keys[variant - 1]
    return VideoPhoto(
        job_id=job.id,
        before_key=original_photo_key(session, job),
        # The unlabelled copy: the renderer draws the label on every frame in one place.
        after_key=rendition_key(key, "clean") if job.has_clean_copies else key,
        kind=disclosure.kind_of(job.mode, job.style_snapshot),
    )


def request_video(
    session: Session,
    *,
    user: User,
    job_id: int,
    scope: ShareScope,
    shapes: list[str],
    settings: Settings,
    variant: int = 1,
    branding: bool = True,
) -> Job:
    """Insert a pending video job of this finished job (or its listing), charged to the owner's
    quota like any job. NotFound for another agent's job; Conflict while it is not finished;
    Invalid for a bad shape, variant or listing, or too many photos. Nothing is added then."""
    source = get_job_for(session, user=user, job_id=job_id)
    if not source.mode.edits_photo:
        raise Invalid(f"job {source.id} is a video; ask the photo's job", field="job_id")
    if source.state is not JobState.COMPLETED or not source.result_keys:
        raise Conflict(
            f"job {source.id} is {source.state.value}; only finished photos make a video"
        )
    wanted = _shapes(shapes)
    if scope is ShareScope.LISTING:
        if not source.listing:
            raise Invalid(f"job {source.id} belongs to no listing", field="scope")
        photos = [_photo(session, job, 1) for job in listing_jobs(session, source)]
    else:
        if not 1 <= variant <= len(source.result_keys):
            raise Invalid(f"job {source.id} has no variant {variant}", field="variant")
        photos = [_photo(session, source, variant)]
    if len(photos) > MAX_PHOTOS:
        raise Invalid(
            f"a video shows at most {MAX_PHOTOS} photos; the listing has {len(photos)}",
            field="scope",
        )
    owner = session.get_one(User, source.user_id)
    check_quota(session, owner, settings)
    brokerage = get_brokerage(session) if branding else None
    spec = VideoSpec(
        scope=scope,
        shapes=wanted,
        photos=photos,
        brokerage=brokerage.name if brokerage else "",
        logo_key=brokerage.logo_key if brokerage else None,
    )
    job = Job(
        user_id=source.user_id,
        style_id=None,
        style_snapshot={SNAPSHOT_KEY: spec.as_json()},
        room_type=source.room_type,
        mode=JobMode.VIDEO,
        variants=len(wanted),
        seed=0,
        listing=source.listing if scope is ShareScope.LISTING else None,
        state=JobState.PENDING,
        max_attempts=settings.max_attempts,
        # The first photo stands for the video in lists; it is the source's file, and only a
        # job's own prefix is ever deleted with it.
        input_key=photos[0].before_key,
        input_width=source.input_width,
        input_height=source.input_height,
        parent_job_id=source.id,
        parent_variant=variant if scope is ShareScope.JOB else None,
    )
    session.add(job)
    session.flush()
    notify_job_available(session)
    return job


def videos_of(session: Session, job: Job) -> list[Job]:
    """The videos asked of this job's page, newest first."""
    query = select(Job).where(Job.parent_job_id == job.id, Job.mode == JobMode.VIDEO)
    return list(session.scalars(query.order_by(Job.id.desc())))


def shared_video(session: Session, link: ShareLink) -> tuple[Job, VideoShape] | None:
    """The newest finished video of what the link shares, and its shape to show (landscape
    when it has one); None when there is none."""
    query = select(Job).where(
        Job.mode == JobMode.VIDEO,
        Job.state == JobState.COMPLETED,
        Job.user_id == link.owner_id,
    )
    if link.scope is ShareScope.JOB:
        query = query.where(Job.parent_job_id == link.job_id, Job.listing.is_(None))
    else:
        query = query.where(Job.listing == link.listing)
    for job in session.scalars(query.order_by(Job.id.desc())):
        spec = VideoSpec.of(job)
        if spec.scope is link.scope and len(job.result_keys) == len(spec.shapes):
            shape = VideoShape.LANDSCAPE if VideoShape.LANDSCAPE in spec.shapes else spec.shapes[0]
            return job, shape
    return None


def result_key(job: Job, shape: VideoShape) -> str | None:
    """A finished video job's MP4 of this shape; None when it has none."""
    spec = VideoSpec.of(job)
    if job.state is not JobState.COMPLETED or shape not in spec.shapes:
        return None
    index = spec.shapes.index(shape)
    return job.result_keys[index] if index < len(job.result_keys) else None
