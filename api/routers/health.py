"""Liveness and readiness probes. Anonymous callers in production learn only ready or not; the
reason (database, schema, storage) is told in dev mode and to callers with METRICS_TOKEN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep, SettingsDep
from api.errors import error_json
from api.inputs import CheckedRoute
from api.schemas import ErrorOut, HealthOut, ReadyOut
from core.errors import AppError
from core.migrations import SchemaNotAtHead, head_revision, require_head
from core.settings import AppEnv, Settings
from core.signing import digests_match
from core.storage import PROBE_TIMEOUT_S, StorageError

router = APIRouter(route_class=CheckedRoute, tags=["health"])


class NotReady(AppError):
    """One of the probe's checks failed; the message says which only to those who may know."""

    status = 503
    code = "not_ready"
    message = "not ready"


@router.get("/healthz", response_model=HealthOut, summary="The process is up (no checks)")
def healthz() -> HealthOut:
    return HealthOut(status="ok")


def _may_see_details(request: Request, settings: Settings) -> bool:
    if settings.app_env is AppEnv.DEV:
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return bool(
        settings.metrics_token
        and scheme.lower() == "bearer"
        and digests_match(settings.metrics_token, token.strip())
    )


def _problem(request: Request, session: SessionDep) -> AppError | None:
    state = request.app.state
    try:
        require_head(session.connection())
        session.execute(text("SELECT 1"))
    except SchemaNotAtHead as exc:
        return NotReady(str(exc), code="schema_not_at_head")
    except SQLAlchemyError as exc:
        return NotReady(f"database unreachable: {exc}", code="database_unreachable")
    try:
        state.storage.check(timeout_s=PROBE_TIMEOUT_S)
    except (StorageError, OSError) as exc:
        return NotReady(f"storage unavailable: {exc}", code="storage_unavailable")
    return None


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="Database reachable, schema at head, storage usable",
    description="In production the reason for a 503 is given only with METRICS_TOKEN as a "
    "bearer token.",
    responses={503: {"model": ErrorOut, "description": "Not ready"}},
)
def readyz(request: Request, session: SessionDep, settings: SettingsDep) -> ReadyOut | JSONResponse:
    problem = _problem(request, session)
    details = _may_see_details(request, settings)
    if problem is not None:
        return error_json(problem if details else NotReady())
    if not details:
        return ReadyOut(status="ready")
    return ReadyOut(
        status="ready", schema_revision=head_revision(), storage=settings.storage_backend.value
    )
