"""A job's images as bytes for API clients: its results, the photo of the real room, and both
in one zip."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.orm import Session

from accounts.models import User
from api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from api.errors import Forbidden
from api.inputs import CheckedRoute
from api.openapi import answer_media_type, binary_content
from api.routers.jobs import JobId
from api.schemas import COMMON_ERRORS, error_responses
from core.errors import Conflict, NotFound
from core.storage import rendition_key
from jobs.archive import job_zip
from jobs.derived import original_photo_key
from jobs.models import Job, JobState
from jobs.service import get_job_for
from jobs.submit import MAX_VARIANTS

router = APIRouter(route_class=CheckedRoute, tags=["jobs"], responses=COMMON_ERRORS)

JPEG, ZIP = "image/jpeg", "application/zip"


def _download(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f"{media_type} (application/octet-stream to a client taking only that)",
            "content": binary_content(media_type),
        }
    }


def _attachment(request: Request, data: bytes, filename: str, media_type: str = JPEG) -> Response:
    return Response(
        data,
        media_type=answer_media_type(request.headers.get("accept"), media_type),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )


def _completed(session: Session, user: User, job_id: int) -> Job:
    job = get_job_for(session, user=user, job_id=job_id)
    if job.state is not JobState.COMPLETED:
        raise Conflict(f"job {job.id} is {job.state.value}; results come once it is completed")
    return job


@router.get(
    "/jobs/{job_id}/results/{variant}",
    response_class=Response,
    summary="Download one result image",
    description=(
        "The staged photo of one variant (`results[].variant` of the job, from 1), with its "
        "disclosure label; `clean=true` gives the unlabelled copy where the deployment offers "
        "it (403 where it does not, 404 when the job kept none). 409 until the job is "
        "completed; 404 for a variant the job does not have."
    ),
    responses={**_download(JPEG), **error_responses(403, 404, 409)},
)
def get_result(
    request: Request,
    job_id: JobId,
    variant: Annotated[int, Path(ge=1, le=MAX_VARIANTS, description="From 1")],
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    clean: Annotated[bool, Query(description="The copy without the label")] = False,
) -> Response:
    job = _completed(session, user, job_id)
    if variant > len(job.result_keys):
        raise NotFound(f"job {job.id} has {len(job.result_keys)} results, no variant {variant}")
    if clean and not settings.offer_clean_copy:
        raise Forbidden("this deployment offers staged photos with the label only")
    if clean and not job.has_clean_copies:
        raise NotFound(f"job {job.id} kept no unlabelled copy of its results")
    key = rendition_key(job.result_keys[variant - 1], "clean" if clean else "labelled")
    return _attachment(request, storage.get(key), f"job-{job.id}-{key.rpartition('/')[2]}")


@router.get(
    "/jobs/{job_id}/original",
    response_class=Response,
    summary="Download the photo of the real room",
    description=(
        "The uploaded photo as stored (JPEG, upright, metadata removed); for a job made from "
        "another job's result, the photo that job's first ancestor was given."
    ),
    responses={**_download(JPEG), **error_responses(404)},
)
def get_original(
    request: Request,
    job_id: JobId,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    job = get_job_for(session, user=user, job_id=job_id)
    data = storage.get(original_photo_key(session, job))
    return _attachment(request, data, f"job-{job.id}-original.jpg")


@router.get(
    "/jobs/{job_id}/download.zip",
    response_class=Response,
    summary="Download the original and every result in one zip",
    description=(
        "`original.jpg` (the photo of the real room) and `result-<variant>.jpg` for each "
        "result, labelled, as on the job page. 409 until the job is completed."
    ),
    responses={**_download(ZIP), **error_responses(404, 409)},
)
def get_zip(
    request: Request,
    job_id: JobId,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    job = _completed(session, user, job_id)
    data = job_zip(session, storage, job)
    return _attachment(request, data, f"stagewright-job-{job.id}.zip", ZIP)
