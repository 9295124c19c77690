"""One JSON error shape for every failure: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import ServiceError
from core.faults import RETRY_AFTER_S, Fault, classify, unavailable_faults

log = logging.getLogger(__name__)


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


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def _code_for_status(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def _field_name(loc: tuple[Any, ...]) -> str | None:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return error_response(
        exc.status_code, _code_for_status(exc.status_code), message, headers=exc.headers
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field_name(tuple(first.get("loc", ())))
    message = str(first.get("msg", "invalid request"))
    body = error_body("validation_error", f"{field}: {message}" if field else message, field)
    body["error"]["details"] = [
        {"field": _field_name(tuple(error.get("loc", ()))), "message": str(error.get("msg"))}
        for error in errors
    ]
    return JSONResponse(body, status_code=422)


async def _fault(request: Request, exc: Exception) -> JSONResponse:
    """A named fault (a database that cannot be reached, ...) answered with its status."""
    fault = classify(exc)
    if fault is None:
        return await _unexpected_error(request, exc)
    log.warning("%s on %s %s: %s", fault.label, request.method, request.url.path, fault)
    retry = {"Retry-After": str(RETRY_AFTER_S)} if fault.status == 503 else None
    return error_response(fault.status, fault.code, fault.public_message, headers=retry)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "something went wrong on our side; try again")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for kind in (Fault, *unavailable_faults):
        app.add_exception_handler(kind, _fault)
    app.add_exception_handler(Exception, _unexpected_error)
