"""Share links over the JSON API: create one for a job or its listing, list yours, revoke one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, SettingsDep
from api.inputs import CheckedRoute
from api.schemas import COMMON_ERRORS, error_responses
from core.db import db_clock
from jobs.shares import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_LISTED,
    ShareLink,
    ShareScope,
    create_share,
    list_shares,
    revoke_share,
    share_url,
)

router = APIRouter(route_class=CheckedRoute, tags=["share links"], responses=COMMON_ERRORS)

ShareId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The link's id")]


class ShareCreate(BaseModel):
    job_id: int = Field(ge=1, le=2**63 - 1, description="A finished job of yours (staff: any)")
    scope: ShareScope = Field(
        ShareScope.JOB, description="job: this photo; listing: every finished photo of its listing"
    )
    expires_in_days: int = Field(DEFAULT_DAYS, ge=1, le=MAX_DAYS)


class ShareOut(BaseModel):
    id: int
    scope: ShareScope
    job_id: int | None = Field(description="The shared job (scope job)")
    listing: str | None = Field(description="The shared listing (scope listing)")
    status: str = Field(description="active, revoked or expired")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    views: int = Field(description="Times the page was opened")
    last_viewed_at: datetime | None


class ShareCreated(ShareOut):
    url: str = Field(description="The public page; shown only in this answer (only a hash is kept)")


def share_out(link: ShareLink, now: datetime) -> ShareOut:
    return ShareOut(
        id=link.id,
        scope=link.scope,
        job_id=link.job_id,
        listing=link.listing,
        status=link.status(now),
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        views=link.views,
        last_viewed_at=link.last_viewed_at,
    )


@router.post(
    "/shares",
    status_code=201,
    response_model=ShareCreated,
    summary="Share a finished job, or its whole listing, on a public page",
    description=(
        "Answers 201 with the page's URL, which is shown this once. Anyone with it sees the "
        "before/after photos, the disclosure caption and the agent's and brokerage's names, "
        "until it expires or is revoked."
    ),
    responses=error_responses(404, 409),
)
def create(
    body: ShareCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ShareCreated:
    link, token = create_share(
        session, user=user, job_id=body.job_id, scope=body.scope, days=body.expires_in_days
    )
    out = share_out(link, db_clock(session))
    return ShareCreated(**out.model_dump(), url=share_url(settings.base_url, token))


@router.get(
    "/shares",
    response_model=list[ShareOut],
    summary="Your share links, newest first",
    description=f"The {MAX_LISTED} newest links you made, with their views.",
)
def get_shares(user: CurrentUser, session: SessionDep) -> list[ShareOut]:
    now = db_clock(session)
    return [share_out(link, now) for link in list_shares(session, user=user)]


@router.post(
    "/shares/{share_id}/revoke",
    response_model=ShareOut,
    summary="Revoke a share link",
    description="Its page answers 404 from now on. Revoking it again changes nothing.",
    responses=error_responses(404),
)
def revoke(share_id: ShareId, user: CurrentUser, session: SessionDep) -> ShareOut:
    link = revoke_share(session, user=user, share_id=share_id)
    return share_out(link, db_clock(session))
