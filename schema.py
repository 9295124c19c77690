"""The whole schema: every model package's tables on one metadata, for Alembic and tests.

A composition root: it sits above the layers (pyproject.toml) so that `core` need not import
the packages that build on it.
"""

from accounts.brokerage import Brokerage
from accounts.models import AuthToken, SignInThrottle, User
from catalog.models import EditItem, Sky, Style
from core.db import Base
from jobs.models import Job, JobRetry, WorkerDeparture, WorkerRecord
from jobs.outbox import OutboxEvent
from jobs.room_guesses import RoomGuess
from jobs.shares import ShareLink
from webhooks.models import WebhookDelivery, WebhookEndpoint

metadata = Base.metadata

__all__ = [
    "AuthToken",
    "Brokerage",
    "EditItem",
    "Job",
    "JobRetry",
    "OutboxEvent",
    "RoomGuess",
    "ShareLink",
    "SignInThrottle",
    "Sky",
    "Style",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkerDeparture",
    "WorkerRecord",
    "metadata",
]
