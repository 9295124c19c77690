"""The staff view of every job: filters, counts, detail with attempt history, retry and cancel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts.models import User
from accounts.service import list_users
from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import (
    CsrfChecked,
    PageError,
    PageRoute,
    StaffPageUser,
    attempt,
    paging,
    render,
)
from api.pages.job_outcome import retry_helps
from api.pages.job_view import job_context, load_job, thumb_url, video_page
from catalog import service as catalog
from jobs import service as jobs
from jobs.models import JobState
from jobs.stats import counts_by_state, oldest_pending_age_s

router = APIRouter(prefix="/admin/jobs", include_in_schema=False, route_class=PageRoute)

PER_PAGE = 25
MAX_USERS_LISTED = 500


def describe_age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{int(seconds)} s"
    if seconds < 5400:
        return f"{int(seconds // 60)} min"
    return f"{seconds / 3600:.1f} h"


def _day(value: date | None, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    if end and value == date.max:
        raise PageError(
            400, "Bad address", f"This page cannot use date_to “{value}”: too far ahead."
        )
    return datetime.combine(value + timedelta(days=1) if end else value, time(0), tzinfo=UTC)


@router.get("")
def jobs_page(
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    user: StaffPageUser,
    state: Annotated[JobState | None, Query()] = None,
    user_id: Annotated[int | None, Query(alias="user", ge=1)] = None,
    style_id: Annotated[int | None, Query(alias="style", ge=1)] = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    styles = catalog.search_styles(session, archived=None)
    slugs = {s.id: s.slug for s in styles}
    found = jobs.list_jobs(
        session,
        user=user,
        state=state,
        user_id=user_id,
        style_slug=slugs.get(style_id, "-") if style_id else None,
        created_from=_day(date_from),
        created_to=_day(date_to, end=True),
        page=page,
        per_page=PER_PAGE,
    )
    users, _ = list_users(session, limit=MAX_USERS_LISTED)
    filters = {
        "state": state.value if state else "",
        "user": user_id,
        "style": style_id,
        "date_from": date_from.isoformat() if date_from else "",
        "date_to": date_to.isoformat() if date_to else "",
    }
    context = {
        "nav": "admin-jobs",
        "jobs": found.items,
        "thumbs": {job.id: thumb_url(job) for job in found.items},
        "retryable": retry_helps(found.items, storage),
        "states": list(JobState),
        "counts": counts_by_state(session),
        "oldest_pending": describe_age(oldest_pending_age_s(session)),
        "users": users,
        "user_names": {u.id: u.name for u in users},
        "styles": styles,
        "filters": filters,
        **paging(found, filters),
    }
    return render(request, "admin/jobs.html", context)


@router.get("/{job_id}")
def job_detail(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: StaffPageUser,
    job_id: int,
) -> Response:
    job = load_job(session, user, job_id)
    if (elsewhere := video_page(job, "/admin/jobs")) is not None:
        return elsewhere
    context = job_context(session, settings, storage, job, viewer=user)
    context.update(
        nav="admin-jobs",
        base_path="/admin/jobs",
        back_url="/admin/jobs",
        restage_styles=[],
        empty_room_styles=[],
        owner=session.get(User, job.user_id),
        retryable=retry_helps([job], storage),
    )
    return render(request, "admin/job.html", context)


@router.post("/{job_id}/retry", dependencies=[CsrfChecked])
def retry(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: StaffPageUser,
    job_id: int,
) -> Response:
    load_job(session, user, job_id)
    return attempt(
        request,
        f"/admin/jobs/{job_id}",
        lambda: jobs.retry_job(
            session, user=user, job_id=job_id, settings=settings, storage=storage
        ),
        f"Job #{job_id} is queued again.",
    )


@router.post("/{job_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, session: SessionDep, user: StaffPageUser, job_id: int) -> Response:
    load_job(session, user, job_id)
    return attempt(
        request,
        f"/admin/jobs/{job_id}",
        lambda: jobs.cancel_job(session, user=user, job_id=job_id),
        f"Cancel of job #{job_id} requested.",
    )
