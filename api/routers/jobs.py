"""Submit, poll, list, cancel and retry staging jobs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, Response, UploadFile
from pydantic import WithJsonSchema
from sqlalchemy.orm import Session

from api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from api.inputs import CheckedRoute, UtcDatetime
from api.presenters import job_out
from api.schemas import COMMON_ERRORS, JobOut, JobPage, error_responses
from core.images import normalise_upload
from core.settings import Settings
from core.storage import Storage
from jobs.edits import MAX_MASK_BYTES, EditAction, create_edit
from jobs.models import MODE_LABELS, Job, JobMode, JobState
from jobs.service import MAX_PER_PAGE, cancel_job, get_job_for, list_jobs, retry_job
from jobs.stats import QueueFigures
from jobs.submit import (
    MAX_IDEMPOTENCY_KEY_CHARS,
    MAX_LISTING_CHARS,
    MAX_SEED,
    MAX_VARIANTS,
    JobRequest,
    create_job,
)

router = APIRouter(route_class=CheckedRoute, tags=["jobs"], responses=COMMON_ERRORS)

JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The job's id")]
_errors = error_responses(404, 409)
_MODES = "; ".join(
    f"{mode.value}: {label}" for mode, label in MODE_LABELS.items() if mode.edits_photo
)


# OpenAPI links from a job in a response to the operations on it (for clients and the fuzzer).
JOB_LINKS = {
    name: {
        "operationRef": f"#/paths/~1api~1v1~1jobs~1{{job_id}}{suffix}",
        "parameters": {"job_id": "$response.body#/id"},
    }
    for name, suffix in (
        ("GetJob", "/get"),
        ("CancelJob", "~1cancel/post"),
        ("RetryJob", "~1retry/post"),
    )
}
UTC_NOTE = "ISO 8601 date-time; one without an offset (e.g. 2026-01-31T09:00) is read as UTC"


@dataclass(frozen=True)
class JobView:
    """What rendering a job needs: the request's session, settings and storage."""

    session: Session
    settings: Settings
    storage: Storage

    def __call__(self, job: Job) -> JobOut:
        return job_out(self.session, job, self.storage, self.settings)

    def many(self, jobs: list[Job]) -> list[JobOut]:
        """Bodies for a page of jobs, with the queue figures read once for all of them."""
        queue = QueueFigures.read(self.session, jobs, self.settings)
        return [job_out(self.session, job, self.storage, self.settings, queue) for job in jobs]


def _job_view(session: SessionDep, settings: SettingsDep, storage: StorageDep) -> JobView:
    return JobView(session, settings, storage)


JobViewDep = Annotated[JobView, Depends(_job_view)]


@router.post(
    "/jobs",
    status_code=202,
    response_model=JobOut,
    summary="Submit a photo for staging",
    description=(
        "Multipart form. Answers 202 with the new job and a Location header; repeating a "
        "request with the same Idempotency-Key answers 200 with the same job."
    ),
    responses={
        202: {"links": JOB_LINKS},
        200: {"model": JobOut, "description": "Replay of an earlier request (same key)"},
        **error_responses(409, 413, 415, 429, 503),
    },
)
def submit_job(
    response: Response,
    user: CurrentUser,
    view: JobViewDep,
    photo: Annotated[UploadFile, File(description="JPEG, PNG or WebP photo of an empty room")],
    room_type: Annotated[str, Form(max_length=40, description="See GET /room-types")],
    style: Annotated[
        str | None,
        Form(
            max_length=60,
            description="A style slug from GET /styles; required unless the mode is enhance, "
            "sky or twilight, which use no style (one given is ignored)",
        ),
    ] = None,
    variants: Annotated[int, Form(ge=1, le=MAX_VARIANTS)] = 1,
    seed: Annotated[int | None, Form(ge=0, le=MAX_SEED, description="Random if unset")] = None,
    listing: Annotated[str | None, Form(max_length=MAX_LISTING_CHARS)] = None,
    mode: Annotated[JobMode, Form(description=_MODES)] = JobMode.STAGE,
    sky: Annotated[
        int | None,
        Form(
            ge=1,
            le=2**31 - 1,
            description="Mode sky: an active sky's id from the sky library; unset, the worker "
            "uses the best-matching active skies (one per variant)",
        ),
    ] = None,
    # Documented as a plain boolean that may be left out: null is not a value a client sends.
    enhance: Annotated[
        bool | None,
        WithJsonSchema({"type": "boolean"}),
        Form(
            description="Auto-enhance the photo (exposure, colour, verticals) before the "
            "mode's own work; unset: the deployment's ENHANCE_BEFORE_STAGING"
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=MAX_IDEMPOTENCY_KEY_CHARS)
    ] = None,
) -> JobOut:
    session, settings = view.session, view.settings
    # Reading one byte past the limit tells "too large" without holding a huge upload.
    image = normalise_upload(photo.file.read(settings.max_upload_bytes + 1), settings)
    request = JobRequest(
        style_slug=style or "",
        room_type=room_type,
        variants=variants,
        seed=seed,
        listing=listing,
        mode=mode,
        sky_id=sky,
        enhance=settings.enhance_before_staging if enhance is None else enhance,
    )
    job, created = create_job(
        session,
        user=user,
        request=request,
        idempotency_key=idempotency_key,
        image=image,
        storage=view.storage,
        settings=settings,
    )
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return view(job)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="One job",
    responses={200: {"links": JOB_LINKS}, **_errors},
)
def get_job(job_id: JobId, user: CurrentUser, view: JobViewDep) -> JobOut:
    return view(get_job_for(view.session, user=user, job_id=job_id))


@router.get(
    "/jobs",
    response_model=JobPage,
    summary="Jobs, newest first",
    description="Agents see their own jobs; merchandisers and admins see all and may filter more.",
)
def get_jobs(
    user: CurrentUser,
    view: JobViewDep,
    state: JobState | None = None,
    mode: JobMode | None = None,
    listing: Annotated[str | None, Query(max_length=MAX_LISTING_CHARS)] = None,
    style: Annotated[str | None, Query(max_length=60)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="Staff only")] = None,
    created_from: Annotated[UtcDatetime | None, Query(description=UTC_NOTE)] = None,
    created_to: Annotated[UtcDatetime | None, Query(description=UTC_NOTE)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> JobPage:
    result = list_jobs(
        view.session,
        user=user,
        state=state,
        mode=mode,
        listing=listing,
        style_slug=style,
        user_id=user_id,
        created_from=created_from,
        created_to=created_to,
        page=page,
        per_page=per_page,
    )
    return JobPage(
        items=view.many(result.items),
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=math.ceil(result.total / result.per_page),
    )


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    summary="Cancel a job",
    description="A pending job is cancelled at once; a running one stops at the next step.",
    responses={200: {"links": JOB_LINKS}, **_errors},
)
def cancel(job_id: JobId, user: CurrentUser, view: JobViewDep) -> JobOut:
    return view(cancel_job(view.session, user=user, job_id=job_id))


@router.post(
    "/jobs/{job_id}/retry",
    response_model=JobOut,
    summary="Queue a failed or cancelled job again",
    description=(
        "A retry counts against the owner's daily quota like a new job (429 when used up). "
        "409 when a retry cannot help: the job is not failed or cancelled, its photo is no "
        "longer stored, or the photo is not a readable image."
    ),
    responses={200: {"links": JOB_LINKS}, **error_responses(429), **_errors},
)
def retry(job_id: JobId, user: CurrentUser, view: JobViewDep, settings: SettingsDep) -> JobOut:
    job = retry_job(view.session, user=user, job_id=job_id, settings=settings, storage=view.storage)
    return view(job)


@router.post(
    "/jobs/{job_id}/edits",
    status_code=202,
    response_model=JobOut,
    summary="Edit one part of a result: remove it, generate it again, or add a piece there",
    description=(
        "Multipart form. `mask` is a PNG of the photo's shape (any scale up to its size) whose "
        "painted pixels are opaque (or white, without alpha): at most half the photo. `add` "
        "needs `item`, the id of an active piece offered for the job's room type (GET "
        "/edit-items?room_type=...); 422 otherwise. Answers "
        "202 with the edit, a new job whose parent is this job's variant; only the painted "
        "part changes. Counts against the daily quota like a new job. 409 when the job has not "
        "completed or its result is no longer stored."
    ),
    responses={202: {"links": JOB_LINKS}, **error_responses(404, 409, 413, 429, 503)},
)
def edit(
    response: Response,
    job_id: JobId,
    user: CurrentUser,
    view: JobViewDep,
    variant: Annotated[int, Form(ge=1, le=MAX_VARIANTS, description="Which result to edit")],
    action: Annotated[EditAction, Form(description="remove: the part becomes its surroundings; "
                                                   "redo: the part is generated again; "
                                                   "add: the item is placed there")],
    mask: Annotated[UploadFile, File(description="PNG: the painted part")],
    item: Annotated[int | None, Form(ge=1, le=2**31 - 1,
                                     description="add: the piece (GET /edit-items)")] = None,
) -> JobOut:  # fmt: skip
    parent = get_job_for(view.session, user=user, job_id=job_id)
    job = create_edit(
        view.session,
        user=user,
        parent=parent,
        variant=variant,
        action=action,
        mask=mask.file.read(MAX_MASK_BYTES + 1),
        storage=view.storage,
        settings=view.settings,
        item=item,
    )
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return view(job)
