"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import error_response
from api.inputs import CheckedRoute
from api.schemas import ErrorOut, HealthOut, ReadyOut
from core.migrations import SchemaNotAtHead, head_revision, require_head
from core.storage import PROBE_TIMEOUT_S, StorageError

router = APIRouter(route_class=CheckedRoute, tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="The process is up (no checks)")
def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="Database reachable, schema at head, storage usable",
    responses={503: {"model": ErrorOut, "description": "Not ready, with the reason"}},
)
def readyz(request: Request) -> ReadyOut | JSONResponse:
    state = request.app.state
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        require_head(state.engine)
    except SchemaNotAtHead as exc:
        return error_response(503, "schema_not_at_head", str(exc))
    except SQLAlchemyError as exc:
        return error_response(503, "database_unreachable", f"database unreachable: {exc}")
    try:
        state.storage.check(timeout_s=PROBE_TIMEOUT_S)
    except (StorageError, OSError) as exc:
        return error_response(503, "storage_unavailable", f"storage unavailable: {exc}")
    return ReadyOut(
        status="ready",
        schema_revision=head_revision(),
        storage=state.settings.storage_backend.value,
    )
