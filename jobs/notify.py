"""The PostgreSQL channel that wakes workers when a job becomes pending."""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

CHANNEL = "stagewright_jobs"


def notify_job_available(session: Session | Connection) -> None:
    """Queue a NOTIFY in the caller's transaction; PostgreSQL delivers it on commit."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
