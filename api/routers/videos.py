"""Reveal videos over the JSON API: ask a finished job (or its listing) for one; the answer is
the video's job, polled like any job (GET /jobs/{id}) until its MP4s are ready."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser
from api.inputs import CheckedRoute
from api.routers.jobs import JOB_LINKS, JobViewDep
from api.schemas import COMMON_ERRORS, JobOut, error_responses
from jobs.service import get_job_for
from jobs.shares import ShareScope
from jobs.submit import MAX_VARIANTS
from jobs.videos import VideoShape, request_video, videos_of

router = APIRouter(route_class=CheckedRoute, tags=["jobs"], responses=COMMON_ERRORS)

_SHAPES = ", ".join(f"{shape.value}" for shape in VideoShape)


class VideoCreate(BaseModel):
    scope: ShareScope = Field(
        ShareScope.JOB,
        description="job: this photo's reveal (at most 15 s); listing: every finished photo of "
        "its listing, in the order submitted (at most 60 s, 30 photos)",
    )
    shapes: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=lambda: [VideoShape.LANDSCAPE.value],
        max_length=len(VideoShape),
        description=f"One MP4 per shape: {_SHAPES}",
    )
    variant: int = Field(1, ge=1, le=MAX_VARIANTS, description="Which result (scope job)")
    branding: bool = Field(True, description="Show the brokerage's name and logo")


@router.post(
    "/jobs/{job_id}/videos",
    status_code=202,
    response_model=JobOut,
    summary="Ask a finished job for a reveal video",
    description=(
        "Inserts a pending video job (mode `video`, one daily quota job) and answers 202 with "
        "it and a Location header. 404 someone else's job, 409 not finished, 422 an unknown "
        "shape or variant, a listing scope without a listing, or a listing of more than 30 "
        "photos. Its results are MP4s (H.264, yuv420p), one per shape in `video_shapes`."
    ),
    responses={202: {"links": JOB_LINKS}, **error_responses(404, 409, 429)},
)
def create_video(
    job_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="A finished job of yours")],
    body: VideoCreate,
    response: Response,
    user: CurrentUser,
    view: JobViewDep,
) -> JobOut:
    job = request_video(
        view.session,
        user=user,
        job_id=job_id,
        scope=body.scope,
        shapes=body.shapes,
        settings=view.settings,
        variant=body.variant,
        branding=body.branding,
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return view(job)


@router.get(
    "/jobs/{job_id}/videos",
    response_model=list[JobOut],
    summary="The videos asked of a job, newest first",
    description="Video jobs are not in GET /jobs: each belongs to the job it was asked of.",
    responses=error_responses(404),
)
def list_videos(
    job_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="A job of yours")],
    user: CurrentUser,
    view: JobViewDep,
) -> list[JobOut]:
    job = get_job_for(view.session, user=user, job_id=job_id)
    return view.many(videos_of(view.session, job))
