"""Imports every table so that metadata (Alembic, tests) sees the whole schema."""

from accounts.models import AuthToken, User
from catalog.models import Style
from core.db import Base
from jobs.models import Job, WorkerRecord
from jobs.room_guesses import RoomGuess

__all__ = ["AuthToken", "Base", "Job", "RoomGuess", "Style", "User", "WorkerRecord"]
