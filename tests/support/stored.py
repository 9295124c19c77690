"""What the app left behind: jobs in the database and files in local storage."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from jobs.models import Job


def job_count(session_factory: sessionmaker[Session]) -> int:
    """How many jobs the database holds."""
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def storage_root(settings: Settings) -> Path:
    """The local storage folder."""
    return Path(settings.local_storage_dir)


def stored_files(settings: Settings) -> list[Path]:
    """Every file in local storage."""
    root = storage_root(settings)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
