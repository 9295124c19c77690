"""One error model: every failure the product names is an AppError, which carries its HTTP status,
a machine code, the message a client may read and what a worker does about it.

api/errors.py maps these (and raw exceptions, through core/faults.classify) to responses in one
place; the worker reads `retry`.
"""

from __future__ import annotations

from enum import StrEnum

RETRY_AFTER_S = 5
"""What a 503 tells clients to wait before they try again."""


class Retry(StrEnum):
    """What the worker does with a job whose attempt ended in this error."""

    POSTPONE = "postpone"  # back to pending after a backoff; the attempt is not used up
    RETRY = "retry"  # back to pending after a backoff, using up an attempt
    FAIL = "fail"  # failed for good: retrying cannot help
    ABANDON = "abandon"  # write nothing: the job is no longer ours


class AppError(Exception):
    """The root. `message` is what a client reads; `str(error)` is what the log reads."""

    status = 500
    code = "internal_error"
    message = "something went wrong on our side; try again"
    retry = Retry.RETRY
    title = ""  # a page's heading; empty: the status's name

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.field = field
        self.headers = dict(headers or {})
        if retry_after_s is None and self.status == 503:
            retry_after_s = RETRY_AFTER_S
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(retry_after_s)


class ServiceError(AppError):
    """A refusal the client can act on (4xx); its message says what to change."""

    status = 400
    code = "bad_request"
    message = "the request cannot be processed as sent"
    retry = Retry.FAIL


class Invalid(ServiceError):
    """The input is well-formed but not acceptable."""

    status = 422
    code = "invalid"


class NotFound(ServiceError):
    """No such thing, or not one the caller may see."""

    status = 404
    code = "not_found"
    message = "no such thing"
    title = "Not found"


class Conflict(ServiceError):
    """The thing is not in a state that allows the operation."""

    status = 409
    code = "conflict"


class TooLarge(ServiceError):
    """The request body (or the photo in it) is larger than allowed."""

    status = 413
    code = "too_large"


class QuotaExceeded(ServiceError):
    """The caller used up a limit for now; Retry-After says when to come back."""

    status = 429
    code = "quota_exceeded"
    title = "Too many requests"
