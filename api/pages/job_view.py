"""What a job's page shows, for the sales floor and the admin console alike: its title, its
progress in an agent's words, its results, its disclosure, and the jobs it came from or made."""

from __future__ import annotations

from typing import Any

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from accounts.models import User
from api.deps import SessionDep
from api.pages.common import PageError, PageUser, job_what
from api.pages.job_outcome import describe_outcome
from api.pages.video_view import SHAPE_LABELS, video_view
from catalog.models import ROOM_TYPES
from core import disclosure
from core.errors import NotFound
from core.settings import Settings
from core.storage import Storage
from jobs import service as jobs
from jobs.activity import activity
from jobs.derived import ancestors, children
from jobs.edits import edit_of
from jobs.models import Job, JobMode, JobState
from jobs.results import variant_results
from jobs.stats import QueueFigures
from jobs.videos import MAX_PHOTOS, videos_of


def describe_wait(seconds: float | None) -> str:
    """An estimated wait in words, like the progress script writes it."""
    if seconds is None:
        return "estimating…"
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} min"


def load_job(session: SessionDep, user: PageUser, job_id: int) -> Job:
    try:
        return jobs.get_job_for(session, user=user, job_id=job_id)
    except NotFound as exc:
        raise PageError(404, "Job not found", f"There is no job #{job_id} for you.") from exc


def video_page(job: Job, base_path: str) -> RedirectResponse | None:
    """A video job has no page: it is shown on the page of the job it was asked of."""
    if job.mode is not JobMode.VIDEO:
        return None
    back = f"{base_path}/{job.parent_job_id}#videos" if job.parent_job_id else base_path
    return RedirectResponse(back, status_code=303)


def thumb_url(job: Job) -> str:
    """A job's picture in lists: its first result once there is one, else its photo."""
    if job.state is JobState.COMPLETED and job.result_keys:
        return f"/jobs/{job.id}/thumb/1.jpg"
    return f"/jobs/{job.id}/thumb.jpg"


def job_context(
    session: Session, settings: Settings, storage: Storage, job: Job, *, viewer: User
) -> dict[str, Any]:
    """The job page's values; staff also read seeds, masks and why staging is paused."""
    staff = jobs.can_see_all_jobs(viewer)
    results = [
        {
            "n": result.number,
            "url": f"/jobs/{job.id}/web/{result.number}.jpg",
            "seed": result.seed,
            "has_clean": settings.offer_clean_copy and result.has_clean_copy,
            "scores": result.scores,
        }
        for result in variant_results(job)
    ]
    queue = QueueFigures.read(session, [job], settings)
    paused = queue.paused and job.state is JobState.PENDING
    outcome = describe_outcome(job, storage)
    kind = disclosure.kind_of(job.mode, job.style_snapshot)
    videos = [video_view(video, paused=queue.paused) for video in videos_of(session, job)]
    return {
        "job": job,
        "staff": staff,
        "room_label": ROOM_TYPES.get(job.room_type, job.room_type),
        "what": job_what(job),
        "mode_label": job.mode.label,
        "guess_label": (
            ROOM_TYPES.get(job.room_type_guess)
            if job.room_type_guess and job.room_type_guess != job.room_type
            else None
        ),
        "input_url": f"/jobs/{job.id}/web/input.jpg"
        if not outcome or outcome.photo_stored
        else None,
        "results": results,
        "mask_url": storage.url(job.mask_key) if staff and job.mask_key else None,
        "activity": activity(job, paused=queue.paused),
        "paused": paused,
        "paused_reason": queue.fleet.paused_reason if staff and paused and queue.fleet else None,
        "queue_position": queue.position(job),
        "estimated_wait": describe_wait(queue.wait_s(job)),
        "outcome": outcome,
        "disclosure": disclosure.disclosure_for(kind, settings),
        "parent": session.get(Job, job.parent_job_id) if job.parent_job_id else None,
        "edit": edit_of(job.style_snapshot),
        "versions": ancestors(session, job),
        "children": [
            c
            for c in children(session, job)
            if c.mode.edits_photo and (staff or c.user_id == viewer.id)
        ],
        "videos": videos,
        "live_video": next((v["job"] for v in videos if not v["job"].state.is_final), None),
        "video_shapes": SHAPE_LABELS,
        "video_max_photos": MAX_PHOTOS,
    }
