"""The PostgreSQL channel that wakes workers when a job becomes pending."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

CHANNEL = "stagewright_jobs"


def notify_job_available(session: Session) -> None:
    """Queue a NOTIFY in the caller's transaction; PostgreSQL delivers it on commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
