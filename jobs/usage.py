"""What jobs use up: a user's jobs today (the daily quota) and the styles jobs reference."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from accounts.models import User
from accounts.service import day_start
from catalog import service as catalog
from catalog.models import Style
from core.db import utcnow
from jobs.models import Job, JobRetry


def jobs_today(session: Session, *, user: User) -> int:
    """Jobs the user submitted or retried since UTC midnight (test runs of styles do not count)."""
    since = day_start(utcnow())
    submitted = select(func.count()).where(
        Job.user_id == user.id, Job.is_test.is_(False), Job.created_at >= since
    )
    retried = select(func.count()).where(JobRetry.user_id == user.id, JobRetry.created_at >= since)
    return (session.scalar(submitted) or 0) + (session.scalar(retried) or 0)


def style_in_use(session: Session, style: Style) -> bool:
    """Whether some job references the style, so it must be archived rather than deleted."""
    return bool(session.scalar(select(exists().where(Job.style_id == style.id))))


def style_ids_in_use(session: Session) -> set[int]:
    """Ids of the styles some job references (archived rather than deleted)."""
    return set(session.scalars(select(Job.style_id).where(Job.style_id.is_not(None)).distinct()))


def archive_or_delete_style(session: Session, style: Style) -> Literal["archived", "deleted"]:
    """Delete a style no job used; archive (hide, keep) one that jobs reference."""
    if style_in_use(session, style):
        catalog.archive(session, style)
        return "archived"
    catalog.delete_style(session, style)
    return "deleted"
