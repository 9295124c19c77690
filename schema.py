"""The whole schema: every model package's tables on one metadata, for Alembic and tests.

A composition root: it sits above the layers (pyproject.toml) so that `core` need not import
the packages that build on it.
"""

from accounts.models import AuthToken, SignInThrottle, User
from catalog.models import Style
from core.db import Base
from jobs.models import Job, JobRetry, WorkerDeparture, WorkerRecord
from jobs.room_guesses import RoomGuess

metadata = Base.metadata

__all__ = [
    "AuthToken",
    "Job",
    "JobRetry",
    "RoomGuess",
    "SignInThrottle",
    "Style",
    "User",
    "WorkerDeparture",
    "WorkerRecord",
    "metadata",
]
