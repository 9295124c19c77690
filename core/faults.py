"""Every fault has a name: each kind of failure, its HTTP status (API) and retry policy (worker).

`classify` is the one place that turns a raw exception (a driver error, a torch out-of-memory
error) into one of these; the API's error handler and the worker loop both use it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import InterfaceError, OperationalError

RETRY_AFTER_S = 5
"""What a 503 tells clients to wait before they try again."""


class Retry(StrEnum):
    """What the worker does with a job whose attempt ended in a fault."""

    POSTPONE = "postpone"  # back to pending after a backoff; the attempt is not used up
    RETRY = "retry"  # back to pending after a backoff, using up an attempt
    FAIL = "fail"  # failed for good: retrying cannot help
    ABANDON = "abandon"  # write nothing: the job is no longer ours


class Fault(Exception):
    """A named failure; subclasses set how the API and the worker answer it."""

    label = "error"
    public_message = "something went wrong on our side; try again"
    status = 500
    code = "internal_error"
    retry = Retry.RETRY


class DatabaseUnavailable(Fault):
    """PostgreSQL (or the SQLite file) cannot be reached or refused the connection."""

    label = "database unavailable"
    public_message = "the database is unavailable right now; try again in a few seconds"
    status = 503
    code = "unavailable"
    retry = Retry.POSTPONE


class StorageUnavailable(Fault):
    """The object store (or local disk) could not be reached, is full or refused the write."""

    label = "storage unavailable"
    public_message = "image storage is unavailable right now; try again in a few seconds"
    status = 503
    code = "unavailable"
    retry = Retry.POSTPONE


class BadInput(Fault):
    """The job's inputs cannot be staged as given; retrying would fail the same way."""

    label = "bad input"
    public_message = "the input cannot be staged as given"
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
