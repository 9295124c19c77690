"""The one place errors become answers: every failure is mapped to an AppError (core/errors.py)
and answered as JSON, `{"error": {"code", "message", "field"}}`, or as an HTML page on page
routes, with the error's status and headers (Retry-After, WWW-Authenticate)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from core.errors import AppError, Invalid, ServiceError
from core.faults import Fault, classify, unavailable_faults

log = logging.getLogger(__name__)

PageRenderer = Callable[[Request, AppError], Response]
"""Renders an error as an HTML page (api/pages installs one on app.state.error_page)."""


class Unauthorized(ServiceError):
    """No credentials, or ones that are wrong, expired or revoked."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"}, **kwargs)


class Forbidden(ServiceError):
    """Signed in, but the role (or a missing CSRF token) does not allow this."""

    status = 403
    code = "forbidden"


class ValidationFailed(Invalid):
    """The request does not match the route's schema; `details` lists every problem."""

    code = "validation_error"

    def __init__(self, message: str, field: str | None, details: list[dict[str, Any]]) -> None:
        super().__init__(message, field=field)
        self.details = details


def code_for_status(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def _field_name(loc: tuple[Any, ...]) -> str | None:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


def _validation_failed(exc: RequestValidationError) -> ValidationFailed:
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field_name(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid request"))
    details = [
        {"field": _field_name(tuple(error.get("loc", ()))), "message": str(error.get("msg"))}
        for error in errors
    ]
    return ValidationFailed(f"{field}: {message}" if field else message, field, details)


def _from_http(exc: StarletteHTTPException) -> ServiceError:
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    error = ServiceError(message, code=code_for_status(exc.status_code), headers=headers)
    error.status = exc.status_code
    return error


def as_app_error(exc: BaseException) -> AppError:
    """The AppError that answers for any exception; a bug is a plain 500."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, RequestValidationError):
        return _validation_failed(exc)
    if isinstance(exc, StarletteHTTPException):
        return _from_http(exc)
    return classify(exc) or AppError()


def error_json(error: AppError) -> JSONResponse:
    """The JSON answer: status, headers and the one error shape."""
    body: dict[str, Any] = {"code": error.code, "message": error.message, "field": error.field}
    if isinstance(error, ValidationFailed):
        body["details"] = error.details
    return JSONResponse({"error": body}, status_code=error.status, headers=error.headers)


def _log(request: Request, exc: BaseException, error: AppError) -> None:
    where = f"{request.method} {request.url.path}"
    if isinstance(error, Fault):
        log.warning("%s on %s: %s", error.label, where, error)
    elif error.status >= 500:
        log.error("unhandled error on %s", where, exc_info=exc)


async def answer_error(request: Request, exc: Exception) -> Response:
    """The one handler: log what needs a look, then answer as the route's kind (page or JSON)."""
    error = as_app_error(exc)
    _log(request, exc, error)
    page: PageRenderer | None = getattr(request.app.state, "error_page", None)
    if page is not None and getattr(request.scope.get("route"), "renders_html", False):
        return page(request, error)
    return error_json(error)


def install_error_handlers(app: FastAPI) -> None:
    for kind in (AppError, StarletteHTTPException, RequestValidationError, *unavailable_faults):
        app.add_exception_handler(kind, answer_error)
    app.add_exception_handler(Exception, answer_error)
