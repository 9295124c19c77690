"""The worker fleet for staff: every registered worker, what it runs, and whether it is stale;
drain a worker (it finishes its job and exits) or remove the rows of stale ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.pages.common import CsrfChecked, PageError, PageRoute, StaffPageUser, redirect, render
from jobs import fleet
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
        "stale_count": sum(bool(row["stale"]) for row in workers),
        "stale_after_s": round(WORKER_LIVE_LEASES * settings.lease_s),
    }
    return render(request, "admin/fleet.html", context)


@router.post("/drain", dependencies=[CsrfChecked])
def drain(
    request: Request,
    session: SessionDep,
    staff: StaffPageUser,
    worker_id: Annotated[str, Form(min_length=1, max_length=120)],
) -> Response:
    if not fleet.request_drain(session, worker_id=worker_id):
        raise PageError(404, "Worker not found", f"There is no worker {worker_id} to drain.")
    return redirect(
        request,
        "/admin/fleet",
        f"{worker_id} will finish its current job, claim no more and exit "
        "(it reads this at its next heartbeat).",
    )


@router.post("/remove-stale", dependencies=[CsrfChecked])
def remove_stale(
    request: Request, session: SessionDep, settings: SettingsDep, staff: StaffPageUser
) -> Response:
    removed = fleet.prune_stale(session, silent_s=settings.lease_s * WORKER_LIVE_LEASES)
    return redirect(request, "/admin/fleet", f"Removed {removed} stale worker row(s).")
