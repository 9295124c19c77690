"""Stage a job's photo again (in another style, again in this style, more like one variant), or
stage an emptied room (a removal's result) as the job's child. Each is a new job with no new
upload and uses one job of the daily quota."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accounts.models import User
from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import CsrfChecked, PageError, PageRoute, PageUser, redirect
from api.pages.job_view import load_job
from core.errors import AppError
from core.settings import Settings
from core.storage import Storage
from jobs.derived import SMALL_VARIATION, create_job_from, stage_result
from jobs.models import Job, JobMode
from jobs.submit import MAX_VARIANTS

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _made(request: Request, source: Job, make: Callable[[], Job], message: str) -> Response:
    """The new job's page (`make` creates it), or the source's job page with the error."""
    try:
        job = make()
    except AppError as exc:
        return redirect(request, f"/jobs/{source.id}", exc.message, kind="error")
    return redirect(request, f"/jobs/{job.id}", message)


def _stage_again(
    request: Request,
    session: Session,
    settings: Settings,
    storage: Storage,
    user: User,
    source: Job,
    message: str,
    **how: Any,
) -> Response:
    """A new job from `source` (create_job_from with `how`), or its job page with the error."""
    return _made(
        request,
        source,
        lambda: create_job_from(
            session, user=user, source=source, storage=storage, settings=settings, **how
        ),
        message,
    )


@router.post("/jobs/{job_id}/restage", dependencies=[CsrfChecked])
def restage(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    style: Annotated[str, Form(max_length=60)],
    room_type: Annotated[str | None, Form(max_length=40)] = None,
) -> Response:
    source = load_job(session, user, job_id)
    message = "Staging again in the new style."
    return _stage_again(
        request,
        session,
        settings,
        storage,
        user,
        source,
        message,
        style_slug=style,
        room_type=room_type,
    )


@router.post("/jobs/{job_id}/again", dependencies=[CsrfChecked])
def again(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
) -> Response:
    source = load_job(session, user, job_id)
    message = "Staging again in this style, with a fresh layout."
    return _stage_again(
        request,
        session,
        settings,
        storage,
        user,
        source,
        message,
        style_slug=source.style_snapshot.get("slug", ""),
    )


@router.post("/jobs/{job_id}/another-sky", dependencies=[CsrfChecked])
def another_sky(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    sky: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    source = load_job(session, user, job_id)
    if source.mode is not JobMode.SKY:
        raise PageError(409, "Not a sky replacement", f"Job #{source.id} replaced no sky.")
    message = "Replacing the sky with the one you picked."
    return _stage_again(
        request, session, settings, storage, user, source, message, style_slug="", sky_id=sky
    )


@router.post("/jobs/{job_id}/variants/{variant}/more", dependencies=[CsrfChecked])
def more_like(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    variant: int,
) -> Response:
    source = load_job(session, user, job_id)
    if not 1 <= variant <= len(source.result_seeds):
        raise PageError(404, "No such variant", f"Job #{source.id} has no variant {variant}.")
    return _stage_again(
        request,
        session,
        settings,
        storage,
        user,
        source,
        f"Staging more like variant {variant}.",
        style_slug=source.style_snapshot.get("slug", ""),
        seed=source.result_seeds[variant - 1],
        variation=SMALL_VARIATION,
    )


@router.post("/jobs/{job_id}/stage-result", dependencies=[CsrfChecked])
def stage_emptied_room(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    variant: Annotated[int, Form(ge=1, le=MAX_VARIANTS)],
    style: Annotated[str, Form(max_length=60)],
) -> Response:
    parent = load_job(session, user, job_id)
    return _made(
        request,
        parent,
        lambda: stage_result(
            session,
            user=user,
            parent=parent,
            variant=variant,
            style_slug=style,
            storage=storage,
            settings=settings,
        ),
        f"Staging the emptied room of variant {variant}.",
    )
