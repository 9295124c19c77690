"""The sales floor: new staging, a job's progress and results, and the agent's job history."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts.service import describe_reset, quota_for, quota_resets_at
from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import (
    CsrfChecked,
    PageError,
    PageRoute,
    PageUser,
    attempt,
    paging,
    redirect,
    render,
)
from api.pages.job_view import job_context, load_job, thumb_url, video_page
from catalog.models import ROOM_TYPES, Style
from catalog.service import list_active_styles
from core.storage import ObjectNotFound, rendition_key
from jobs import service as jobs
from jobs.archive import job_zip
from jobs.models import PHOTO_MODES, JobMode, JobState
from jobs.usage import jobs_today

router = APIRouter(include_in_schema=False, route_class=PageRoute)

MAX_PHOTOS = 20
PER_PAGE = 20


def _card_image(style: Style) -> str | None:
    """The picture on an agent's style card: its preview, else its first reference image."""
    return style.preview_image_key or next(iter(style.reference_image_keys or []), None)


@router.get("/")
def new_staging(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
) -> Response:
    styles = list_active_styles(session)
    context = {
        "nav": "new",
        "styles": styles,
        "style_previews": {s.id: storage.url(key) for s in styles if (key := _card_image(s))},
        "room_types": ROOM_TYPES,
        "modes": {mode.value: mode.label for mode in PHOTO_MODES},
        "max_files": MAX_PHOTOS,
        "max_bytes": settings.max_upload_bytes,
        "downscale_px": settings.browser_downscale_px,
        "used_today": jobs_today(session, user=user),
        "quota": quota_for(user, settings),
        "quota_reset": describe_reset(quota_resets_at()),
        "quota_resets_at": quota_resets_at().isoformat(),
    }
    return render(request, "floor/new.html", context)


@router.get("/jobs")
def my_jobs(
    request: Request,
    session: SessionDep,
    user: PageUser,
    state: Annotated[JobState | None, Query()] = None,
    listing: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found = jobs.list_jobs(
        session,
        user=user,
        user_id=user.id,
        state=state,
        listing=listing or None,
        page=page,
        per_page=PER_PAGE,
    )
    rows = [
        {
            "job": job,
            "room_label": ROOM_TYPES.get(job.room_type, job.room_type),
            "thumb_url": thumb_url(job),
        }
        for job in found.items
    ]
    filters = {"state": state.value if state else "", "listing": listing}
    context = {
        "nav": "jobs",
        "jobs": rows,
        "states": list(JobState),
        "filters": filters,
        **paging(found, filters),
    }
    return render(request, "floor/jobs.html", context)


@router.get("/jobs/{job_id}")
def job_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
) -> Response:
    job = load_job(session, user, job_id)
    if (elsewhere := video_page(job, "/jobs")) is not None:
        return elsewhere
    context = job_context(session, settings, storage, job, viewer=user)
    suited = [s for s in list_active_styles(session) if job.room_type in s.room_types]
    context.update(
        nav="jobs",
        base_path="/jobs",
        back_url="/jobs",
        retry_url=f"/jobs/{job.id}/retry",
        regenerate=True,
        # A removal in another style would remove the same furniture again: it has none.
        restage_styles=[]
        if job.mode is JobMode.DECLUTTER
        else [s for s in suited if s.id != job.style_id],
        empty_room_styles=suited if job.mode is JobMode.DECLUTTER else [],
    )
    return render(request, "floor/job.html", context)


@router.post("/jobs/{job_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, session: SessionDep, user: PageUser, job_id: int) -> Response:
    load_job(session, user, job_id)
    return attempt(
        request,
        f"/jobs/{job_id}",
        lambda: jobs.cancel_job(session, user=user, job_id=job_id),
        "Cancel requested.",
    )


@router.post("/jobs/{job_id}/retry", dependencies=[CsrfChecked])
def retry(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
) -> Response:
    load_job(session, user, job_id)
    return attempt(
        request,
        f"/jobs/{job_id}",
        lambda: jobs.retry_job(
            session, user=user, job_id=job_id, settings=settings, storage=storage
        ),
        "Queued again. The page follows its progress.",
    )


def _attachment(data: bytes, filename: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/jobs/{job_id}/download/{variant}")
def download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    variant: int,
    clean: bool = False,
) -> Response:
    job = load_job(session, user, job_id)
    if not job.mode.edits_photo or not 1 <= variant <= len(job.result_keys):
        raise PageError(404, "No such image", f"Job #{job.id} has no variant {variant}.")
    if clean and not settings.offer_clean_copy:
        raise PageError(
            403, "Labelled copies only", "This deployment offers staged photos with the label only."
        )
    key = rendition_key(job.result_keys[variant - 1], "clean" if clean else "labelled")
    data = None
    if job.has_clean_copies or not clean:
        with contextlib.suppress(ObjectNotFound):
            data = storage.get(key)
    if data is None:
        return redirect(
            request, f"/jobs/{job.id}", "This image has no unlabelled version.", kind="warning"
        )
    return _attachment(data, key.rpartition("/")[2], "image/jpeg")


@router.get("/jobs/{job_id}/download.zip")
def download_zip(session: SessionDep, storage: StorageDep, user: PageUser, job_id: int) -> Response:
    job = load_job(session, user, job_id)
    if not job.mode.edits_photo:
        raise PageError(404, "No photos", f"Job #{job.id} is a video; download it on its page.")
    if job.state is not JobState.COMPLETED:
        raise PageError(409, "Not ready yet", "The zip is available once staging has completed.")
    data = job_zip(session, storage, job)
    return _attachment(data, f"stagewright-job-{job.id}.zip", "application/zip")
