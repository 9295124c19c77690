"""The agent's side of share links: create one from a job page, see them all, revoke one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.pages.common import (
    CsrfChecked,
    PageError,
    PageRoute,
    PageUser,
    attempt,
    redirect,
    render,
)
from catalog.models import ROOM_TYPES
from core.db import db_clock
from core.errors import NotFound, ServiceError
from jobs.models import Job
from jobs.shares import (
    DEFAULT_DAYS,
    MAX_DAYS,
    ShareLink,
    ShareScope,
    create_share,
    list_shares,
    revoke_share,
    share_url,
)

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def describe(session: Session, link: ShareLink) -> str:
    """What a link shows, in an agent's words."""
    if link.scope is ShareScope.LISTING:
        return f"Listing “{link.listing}”"
    job = session.get(Job, link.job_id) if link.job_id else None
    room = ROOM_TYPES.get(job.room_type, job.room_type) if job else "Photo"
    return f"{room} (job #{link.job_id})"


@router.post("/shares", dependencies=[CsrfChecked])
def create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    job_id: Annotated[int, Form(ge=1)],
    scope: Annotated[ShareScope, Form()] = ShareScope.JOB,
    days: Annotated[int, Form(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS,
) -> Response:
    try:
        link, token = create_share(session, user=user, job_id=job_id, scope=scope, days=days)
    except NotFound as exc:
        raise PageError(404, "Job not found", f"There is no job #{job_id} for you.") from exc
    except ServiceError as exc:
        return redirect(request, f"/jobs/{job_id}", f"Not shared: {exc.message}.", kind="error")
    context = {
        "nav": "shares",
        "url": share_url(settings.base_url, token),
        "what": describe(session, link),
        "link": link,
    }
    return render(request, "floor/share_created.html", context)


@router.get("/shares")
def my_shares(request: Request, session: SessionDep, user: PageUser) -> Response:
    now = db_clock(session)
    rows: list[dict[str, Any]] = [
        {"link": link, "what": describe(session, link), "status": link.status(now)}
        for link in list_shares(session, user=user)
    ]
    return render(request, "floor/shares.html", {"nav": "shares", "rows": rows})


@router.post("/shares/{share_id}/revoke", dependencies=[CsrfChecked])
def revoke(request: Request, session: SessionDep, user: PageUser, share_id: int) -> Response:
    return attempt(
        request,
        "/shares",
        lambda: revoke_share(session, user=user, share_id=share_id),
        "Link revoked: it now leads to a “not found” page.",
    )
