"""The worker fleet for staff: every registered worker, what it runs, and whether it is stale;
workers that left in the last day; drain a worker (asked first: it finishes its job and exits)
or remove the rows of stale ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.pages.common import CsrfChecked, PageError, PageRoute, StaffPageUser, redirect, render
from api.pages.confirm import CONFIRMED, confirm_page
from jobs import departures, fleet
from jobs.models import WorkerRecord
from jobs.stats import WORKER_LIVE_LEASES, fleet_state, fleet_status

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
        "paused_reason": fleet_state(session, settings).paused_reason,
        "departed": departures.recent(session),
    }
    return render(request, "admin/fleet.html", context)


@router.post("/drain", dependencies=[CsrfChecked])
def drain(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffPageUser,
    worker_id: Annotated[str, Form(min_length=1, max_length=120)],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    worker = session.get(WorkerRecord, worker_id)
    if worker is None:
        raise PageError(404, "Worker not found", f"There is no worker {worker_id} to drain.")
    if confirm != CONFIRMED:
        state = fleet_state(session, settings)
        last = worker.drain_requested_at is None and state.taking_jobs <= 1
        return confirm_page(
            request,
            title=f"Drain {worker_id}?",
            message=(
                f"{worker_id} finishes the job it is running, claims no more and exits. "
                "Its row is kept on this page for a day."
            ),
            warning=(
                "It is the last live worker taking jobs: once it drains, staging is paused for "
                "every agent, and pending jobs wait until another worker starts."
                if last
                else None
            ),
            action="/admin/fleet/drain",
            fields={"worker_id": worker_id},
            confirm_label="Drain it",
            back_url="/admin/fleet",
        )
    fleet.request_drain(session, worker_id=worker_id)
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
