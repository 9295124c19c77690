"""Every fault has a name: failures on our side, each with its HTTP status (API) and retry policy
(worker), under the one root in core/errors.py.

`classify` is the one place that turns a raw exception (a driver error, a torch out-of-memory
error) into one of these; the API's error mapping and the worker loop both use it.
"""

from __future__ import annotations

from sqlalchemy.exc import InterfaceError, OperationalError

from core.errors import RETRY_AFTER_S as RETRY_AFTER_S
from core.errors import AppError
from core.errors import Retry as Retry


class Fault(AppError):
    """A failure on our side: `str(fault)` is the detail for the log, never shown to clients,
    who read the class's `message` (or the one given)."""

    label = "error"

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(message)
        self.args = (detail or self.message,)


class DatabaseUnavailable(Fault):
    """PostgreSQL (or the SQLite file) cannot be reached or refused the connection."""

    label = "database unavailable"
    message = "the database is unavailable right now; try again in a few seconds"
    status = 503
    code = "unavailable"
    title = "Temporarily unavailable"
    retry = Retry.POSTPONE


class StorageUnavailable(Fault):
    """The object store (or local disk) could not be reached, is full or refused the write."""

    label = "storage unavailable"
    message = "image storage is unavailable right now; try again in a few seconds"
    status = 503
    code = "unavailable"
    title = "Temporarily unavailable"
    retry = Retry.POSTPONE


class BadInput(Fault):
    """The job's inputs cannot be staged as given; retrying would fail the same way."""

    label = "bad input"
    message = "the input cannot be staged as given"
    status = 422
    code = "invalid"
    retry = Retry.FAIL


class OutOfMemory(Fault):
    """The GPU (or host) ran out of memory; another attempt, maybe on another pod, may fit."""

    label = "out of memory"
    status = 503
    code = "unavailable"
    retry = Retry.RETRY


class LeaseLost(Fault):
    """Another worker owns the job now (or this one could not renew its lease in time)."""

    label = "lease lost"
    status = 409
    code = "conflict"
    retry = Retry.ABANDON


unavailable_faults = (OperationalError, InterfaceError)
"""Driver errors meaning the database cannot be reached (classify: DatabaseUnavailable)."""


def classify(exc: BaseException) -> Fault | None:
    """The named fault behind an exception; None for an unexpected error (a bug)."""
    if isinstance(exc, Fault):
        return exc
    if isinstance(exc, unavailable_faults):
        return DatabaseUnavailable(f"database unavailable: {exc.orig or exc}")
    # torch.cuda.OutOfMemoryError, matched by name: torch is never imported outside worker/.
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return OutOfMemory(f"out of memory: {exc}")
    return None
