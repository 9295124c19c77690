"""Turn models into response bodies (URLs signed, queue figures computed)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.models import User
from accounts.service import quota_for, quota_resets_at
from api.schemas import JobOut, QuotaOut, ResultOut, ScoresOut, StyleOut, StyleRef, UserOut
from catalog.models import Style
from core.settings import Settings
from core.storage import Storage
from jobs.activity import activity
from jobs.edits import edit_of
from jobs.models import Job, JobMode, JobState
from jobs.results import variant_results
from jobs.stats import QueueFigures
from jobs.usage import jobs_today
from jobs.videos import VideoSpec


def user_out(session: Session, user: User, settings: Settings) -> UserOut:
    quota = QuotaOut(
        limit=quota_for(user, settings),
        used=jobs_today(session, user=user),
        resets_at=quota_resets_at(),
    )
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        is_active=user.is_active,
        quota=quota,
    )


def style_out(style: Style, storage: Storage) -> StyleOut:
    return StyleOut(
        slug=style.slug,
        name=style.name,
        description=style.description,
        palette=list(style.palette),
        room_types=list(style.room_types),
        preview_url=storage.url(style.preview_image_key) if style.preview_image_key else None,
    )


def job_out(
    session: Session,
    job: Job,
    storage: Storage,
    settings: Settings,
    queue: QueueFigures | None = None,
) -> JobOut:
    """The job's body; pass `queue` read once for a whole page of jobs."""
    queue = queue or QueueFigures.read(session, [job], settings)
    results = [
        ResultOut(
            variant=result.number,
            url=storage.url(result.key),
            seed=result.seed,
            scores=ScoresOut.model_validate(result.scores) if result.scores else None,
        )
        for result in variant_results(job)
    ]
    return JobOut(
        id=job.id,
        state=job.state,
        progress=job.progress,
        stage=job.stage,
        activity=activity(job, paused=queue.paused),
        paused=queue.paused and job.state is JobState.PENDING,
        queue_position=queue.position(job),
        estimated_wait_s=queue.wait_s(job),
        parent_job_id=job.parent_job_id,
        parent_variant=job.parent_variant,
        edit=edit.action if (edit := edit_of(job.style_snapshot)) else None,
        attempt=job.attempt,
        max_attempts=job.max_attempts,
        errors=list(job.errors),
        style=StyleRef(slug=job.style_snapshot.get("slug"), name=job.style_snapshot.get("name")),
        room_type=job.room_type,
        room_type_guess=job.room_type_guess,
        mode=job.mode,
        variants=job.variants,
        seed=job.seed,
        listing=job.listing,
        input_url=storage.url(job.input_key),
        input_width=job.input_width,
        input_height=job.input_height,
        mask_url=storage.url(job.mask_key) if job.mask_key else None,
        results=results,
        video_shapes=[shape.value for shape in VideoSpec.of(job).shapes]
        if job.mode is JobMode.VIDEO
        else None,
        seeds=list(job.result_seeds),
        cancel_requested_at=job.cancel_requested_at,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
