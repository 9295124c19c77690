"""The worker fleet, read-only, for staff."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import MerchandiserUser, SessionDep, SettingsDep
from api.inputs import CheckedRoute
from api.schemas import COMMON_ERRORS, WorkerOut, error_responses
from jobs.models import WorkerRecord
from jobs.stats import fleet_status

router = APIRouter(
    route_class=CheckedRoute,
    tags=["operations"],
    responses={**COMMON_ERRORS, **error_responses(403)},
)


@router.get(
    "/workers",
    response_model=list[WorkerOut],
    summary="Registered workers, oldest first, with a stale flag (staff only)",
)
def workers(_user: MerchandiserUser, session: SessionDep, settings: SettingsDep) -> list[WorkerOut]:
    return [_worker_out(worker, stale) for worker, stale in fleet_status(session, settings)]


def _worker_out(worker: WorkerRecord, stale: bool) -> WorkerOut:
    fields = {name: getattr(worker, name) for name in WorkerOut.model_fields if name != "stale"}
    return WorkerOut(**fields, stale=stale)
