"""Share links: a public before/after page of one finished job or of a whole listing.

The link's token is handed out once; only its SHA-256 is stored, so a leaked table opens no page.
A link works until it expires or is revoked, and every view of its page is counted. Agents
share and revoke their own jobs' links; staff may share any job and revoke any link.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.models import User
from accounts.security import hash_token, new_token
from core.db import Base, UTCDateTime, db_clock, db_now, enum_column, rowcount, utcnow
from core.errors import Conflict, Invalid, NotFound
from jobs.models import BigId, Job, JobMode, JobState
from jobs.outbox import Event, record
from jobs.service import can_see_all_jobs, get_job_for

DEFAULT_DAYS = 30
MAX_DAYS = 365
"""A link may live up to a year; the agent picks, 30 days unless they say otherwise."""
MAX_LISTED = 200
"""The newest links a user's list shows."""
# What new_token() makes (43 characters); anything else is no token, looked up or not.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class ShareScope(StrEnum):
    """What a link shows."""

    JOB = "job"  # the one job's photo
    LISTING = "listing"  # every finished photo of the job's listing, in the order submitted


class ShareLink(Base):
    """One public link to a job's or a listing's before/after page."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_created_by", "created_by_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[ShareScope] = mapped_column(enum_column(ShareScope))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    """The agent whose photos the page shows, and whose name it carries."""
    job_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=True
    )
    """The shared job (scope job only)."""
    listing: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The shared listing (scope listing only)."""
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def status(self, now: datetime) -> str:
        """`active`, `revoked` or `expired`."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > now else "expired"


def share_url(base_url: str, token: str) -> str:
    """The public address of the page behind a token."""
    return f"{base_url.rstrip('/')}/s/{token}"


def create_share(
    session: Session, *, user: User, job_id: int, scope: ShareScope, days: int = DEFAULT_DAYS
) -> tuple[ShareLink, str]:
    """A new link to the job (or its listing) and its token, which is not stored."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"a link lasts 1 to {MAX_DAYS} days", field="expires_in_days")
    job = get_job_for(session, user=user, job_id=job_id)
    if not job.mode.edits_photo:
        raise Invalid(f"job {job.id} is a video; share the photo's job", field="job_id")
    if scope is ShareScope.LISTING and not job.listing:
        raise Invalid(f"job {job.id} belongs to no listing; share the photo itself", field="scope")
    if job.state is not JobState.COMPLETED or not job.result_keys:
        raise Conflict(f"job {job.id} is {job.state.value}; only finished photos can be shared")
    token = new_token()
    link = ShareLink(
        token_hash=hash_token(token),
        scope=scope,
        owner_id=job.user_id,
        job_id=job.id if scope is ShareScope.JOB else None,
        listing=job.listing if scope is ShareScope.LISTING else None,
        created_by_id=user.id,
        created_at=db_clock(session),
    )
    link.expires_at = link.created_at + timedelta(days=days)
    session.add(link)
    session.flush()
    record(session, Event.SHARE_CREATED, link.id)
    return link, token


def list_shares(session: Session, *, user: User) -> list[ShareLink]:
    """The links this user made, newest first (the MAX_LISTED newest)."""
    query = (
        select(ShareLink)
        .where(ShareLink.created_by_id == user.id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
        .limit(MAX_LISTED)
    )
    return list(session.scalars(query))


def revoke_share(session: Session, *, user: User, share_id: int) -> ShareLink:
    """Turn the link off for good (again: no change); others' links are NotFound to agents."""
    link = session.get(ShareLink, share_id)
    if link is None or (link.created_by_id != user.id and not can_see_all_jobs(user)):
        raise NotFound(f"share link {share_id} not found")
    if link.revoked_at is None:
        link.revoked_at = db_clock(session)
        session.flush()
        record(session, Event.SHARE_REVOKED, link.id)
    return link


def open_share(session: Session, token: str) -> ShareLink | None:
    """The live link with this token; None alike for an unknown, revoked or expired one."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return session.scalars(
        select(ShareLink).where(
            ShareLink.token_hash == hash_token(token),
            ShareLink.revoked_at.is_(None),
            ShareLink.expires_at > db_now(session),
        )
    ).one_or_none()


def count_view(session: Session, link: ShareLink) -> None:
    """One more view, counted in the database so that simultaneous views all count."""
    session.execute(
        update(ShareLink)
        .where(ShareLink.id == link.id)
        .values(views=ShareLink.views + 1, last_viewed_at=db_now(session))
        .execution_options(synchronize_session=False)
    )


def _finished_photos(query: Select[Job]) -> Select[Job]:
    return query.where(Job.state == JobState.COMPLETED, Job.mode != JobMode.VIDEO).order_by(Job.id)


def _listing_query(owner_id: int, listing: str | None) -> Select[Job]:
    return _finished_photos(
        select(Job).where(Job.user_id == owner_id, Job.listing == listing, Job.is_test.is_(False))
    )


def listing_jobs(session: Session, job: Job) -> list[Job]:
    """The finished photos of the job's listing, in the order the agent submitted them."""
    return [j for j in session.scalars(_listing_query(job.user_id, job.listing)) if j.result_keys]


def shared_jobs(session: Session, link: ShareLink) -> list[Job]:
    """The finished jobs the link shows, in the order the agent submitted them."""
    if link.scope is ShareScope.JOB:
        query = _finished_photos(select(Job).where(Job.id == link.job_id))
    else:
        query = _listing_query(link.owner_id, link.listing)
    return [job for job in session.scalars(query) if job.result_keys]


ENDED_KEPT = timedelta(days=30)
"""How long a revoked or expired link stays on its agent's list before retention deletes it."""


def purge_shares(session: Session, *, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete links that ended (revoked or expired) more than ENDED_KEPT ago; a dry run counts."""
    cutoff = (now or utcnow()) - ENDED_KEPT
    ended = or_(ShareLink.expires_at < cutoff, ShareLink.revoked_at < cutoff)
    if dry_run:
        return session.scalar(select(func.count()).select_from(ShareLink).where(ended)) or 0
    return rowcount(session.execute(delete(ShareLink).where(ended)))
