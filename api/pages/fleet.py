"""The worker fleet for staff: every registered worker, what it runs, and whether it is stale."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.pages.common import PageRoute, StaffPageUser, render
from jobs.stats import WORKER_LIVE_LEASES, fleet_status

router = APIRouter(prefix="/admin/fleet", include_in_schema=False, route_class=PageRoute)


@router.get("")
def fleet_page(
    request: Request, session: SessionDep, settings: SettingsDep, staff: StaffPageUser
) -> Response:
    workers = [
        {"worker": worker, "stale": stale} for worker, stale in fleet_status(session, settings)
    ]
    context = {
        "nav": "admin-fleet",
        "workers": workers,
        "alive": sum(not row["stale"] for row in workers),
        "stale_after_s": round(WORKER_LIVE_LEASES * settings.lease_s),
    }
    return render(request, "admin/fleet.html", context)
