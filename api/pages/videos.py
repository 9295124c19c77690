"""Reveal videos on the job page: ask for one, watch it (byte ranges, so the player can seek)
and download it. A video job has no page of its own: it shows on the page it was asked of."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import CsrfChecked, PageError, PageRoute, PageUser, attempt
from api.pages.job_view import load_job
from api.ranges import ranged
from core.storage import ObjectNotFound, Storage
from jobs.models import Job, JobMode
from jobs.shares import ShareScope
from jobs.videos import VideoShape, request_video, result_key

router = APIRouter(include_in_schema=False, route_class=PageRoute)

# Keys are rewritten only by a re-run of the same job, so a short private cache is safe.
VIDEO_CACHE = "private, max-age=3600"


@router.post("/jobs/{job_id}/videos", dependencies=[CsrfChecked])
def ask_for_video(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    job_id: int,
    shapes: Annotated[list[str] | None, Form()] = None,
    scope: Annotated[ShareScope, Form()] = ShareScope.JOB,
) -> Response:
    load_job(session, user, job_id)
    return attempt(
        request,
        f"/jobs/{job_id}#videos",
        lambda: request_video(
            session, user=user, job_id=job_id, scope=scope, shapes=shapes or [], settings=settings
        ),
        "Video requested. This page shows its progress.",
    )


def _video_bytes(storage: Storage, job: Job, shape: str) -> bytes:
    key = None
    if job.mode is JobMode.VIDEO and shape in VideoShape.__members__.values():
        key = result_key(job, VideoShape(shape))
    if key is None:
        raise PageError(404, "No such video", f"Job #{job.id} has no {shape} video.")
    try:
        return storage.get(key)
    except ObjectNotFound as exc:
        raise PageError(404, "Video not found", "This video is no longer stored.") from exc


@router.get("/jobs/{job_id}/video/{shape}.mp4")
def video_file(
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    shape: str,
    download: bool = False,
) -> Response:
    """The MP4 of one shape, to play (ranges) or, with `download`, to save."""
    job = load_job(session, user, job_id)
    data = _video_bytes(storage, job, shape)
    headers = {"Cache-Control": VIDEO_CACHE}
    if download:
        headers["Content-Disposition"] = (
            f'attachment; filename="stagewright-video-{job.id}-{shape}.mp4"'
        )
    return ranged(request, data, "video/mp4", headers)
