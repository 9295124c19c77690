"""Errors that service functions raise for the caller to show: a machine code and a message."""

from __future__ import annotations

from typing import Any

from core.faults import RETRY_AFTER_S


class ServiceError(Exception):
    """A refusal the client can act on; `status` is the HTTP status the API answers with."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.field = field
        self.headers = headers or {}


class Invalid(ServiceError):
    """The input is well-formed but not acceptable."""

    status = 422
    code = "invalid"


class NotFound(ServiceError):
    """No such thing, or not one the caller may see."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The thing is not in a state that allows the operation."""

    status = 409
    code = "conflict"


class QuotaExceeded(ServiceError):
    """The caller used up a limit for now."""

    status = 429
    code = "quota_exceeded"


class Unavailable(ServiceError):
    """A backing service (storage, database) failed; retrying later may work."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(RETRY_AFTER_S)})
        super().__init__(message, **kwargs)
