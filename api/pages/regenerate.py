"""Stage a job's photo again: in another style, again in this style, or more like one variant.
Each is a new job on the same photo and uses one job of the daily quota."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import CsrfChecked, PageError, PageRoute, PageUser, redirect
from api.pages.floor import load_job
from core.errors import ServiceError
from jobs.derived import SMALL_VARIATION, create_job_from
from jobs.models import Job

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def _stage_again(
    request: Request,
    source: Job,
    message: str,
    make: Callable[[], Job],
) -> Response:
    try:
        job = make()
    except ServiceError as exc:
        return redirect(request, f"/jobs/{source.id}", exc.message, kind="error")
    return redirect(request, f"/jobs/{job.id}", message)


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
    return _stage_again(
        request,
        source,
        "Staging again in the new style.",
        lambda: create_job_from(
            session,
            user=user,
            source=source,
            style_slug=style,
            storage=storage,
            settings=settings,
            room_type=room_type,
        ),
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
    return _stage_again(
        request,
        source,
        "Staging again in this style, with a new seed.",
        lambda: create_job_from(
            session,
            user=user,
            source=source,
            style_slug=source.style_snapshot.get("slug", ""),
            storage=storage,
            settings=settings,
        ),
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
        source,
        f"Staging more like variant {variant}.",
        lambda: create_job_from(
            session,
            user=user,
            source=source,
            style_slug=source.style_snapshot.get("slug", ""),
            storage=storage,
            settings=settings,
            seed=source.result_seeds[variant - 1],
            variation=SMALL_VARIATION,
        ),
    )
