"""The agent's side of share links: create one from a job page, see them all, revoke one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
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


def describe(link: ShareLink, room_types: dict[int, str]) -> str:
    """What a link shows, in an agent's words; room_types: the shared jobs' room types by id."""
    if link.scope is ShareScope.LISTING:
        return f"Listing “{link.listing}”"
    room = room_types.get(link.job_id or 0, "")
    return f"{ROOM_TYPES.get(room, room) or 'Photo'} (job #{link.job_id})"


def _room_types(session: Session, links: list[ShareLink]) -> dict[int, str]:
    ids = {link.job_id for link in links if link.job_id}
    rows = session.execute(select(Job.id, Job.room_type).where(Job.id.in_(ids)))
    return {job_id: room_type for job_id, room_type in rows}


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
        "what": describe(link, _room_types(session, [link])),
        "link": link,
    }
    return render(request, "floor/share_created.html", context)


@router.get("/shares")
def my_shares(request: Request, session: SessionDep, user: PageUser) -> Response:
    now = db_clock(session)
    links = list_shares(session, user=user)
    room_types = _room_types(session, links)
    rows: list[dict[str, Any]] = [
        {"link": link, "what": describe(link, room_types), "status": link.status(now)}
        for link in links
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
