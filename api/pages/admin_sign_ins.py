"""Failed sign-ins for admins: which accounts and addresses are locked, and lifting a lock."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from accounts import throttle
from api.deps import SessionDep
from api.pages.common import AdminPageUser, CsrfChecked, PageRoute, attempt, render
from core.db import utcnow
from core.errors import NotFound

router = APIRouter(prefix="/admin/users/sign-ins", include_in_schema=False, route_class=PageRoute)


@router.get("")
def sign_ins_page(request: Request, session: SessionDep, admin: AdminPageUser) -> Response:
    now = utcnow()
    rows = [
        {"row": row, "locked": throttle.is_locked_now(row, now)}
        for row in throttle.list_throttles(session)
    ]
    return render(request, "admin/sign_ins.html", {"nav": "admin-users", "rows": rows})


@router.post("/{throttle_id}/clear", dependencies=[CsrfChecked])
def clear(
    request: Request, session: SessionDep, admin: AdminPageUser, throttle_id: int
) -> Response:
    def lift() -> None:
        if not throttle.clear_throttle(session, throttle_id):
            raise NotFound("That lock was already cleared.")

    return attempt(request, "/admin/users/sign-ins", lift, "Cleared: sign-in works again.")
