"""The brokerage's branding in the admin console: its name and logo, shown on share pages.

One brokerage per deployment (accounts.brokerage).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from accounts.brokerage import MAX_NAME_CHARS, get_brokerage, save_brokerage
from api.deps import SessionDep, StorageDep
from api.pages.common import CsrfChecked, PageRoute, StaffPageUser, redirect, render
from core.errors import Invalid
from core.logos import MAX_LOGO_BYTES, normalise_logo
from core.storage import Storage, StorageError, brokerage_logo_key

router = APIRouter(prefix="/admin/brokerage", include_in_schema=False, route_class=PageRoute)


def _page(
    request: Request, storage: Storage, name: str, logo_key: str | None, error: str | None
) -> Response:
    context = {
        "nav": "admin-brokerage",
        "name": name,
        "max_name": MAX_NAME_CHARS,
        "logo_url": storage.url(logo_key) if logo_key else None,
        "error": error,
    }
    return render(request, "admin/brokerage.html", context, status=422 if error else 200)


@router.get("")
def brokerage_page(
    request: Request, session: SessionDep, storage: StorageDep, user: StaffPageUser
) -> Response:
    brokerage = get_brokerage(session)
    return _page(request, storage, brokerage.name, brokerage.logo_key, None)


@router.post("", dependencies=[CsrfChecked])
async def save(
    request: Request, session: SessionDep, storage: StorageDep, user: StaffPageUser
) -> Response:
    current = get_brokerage(session).logo_key
    async with request.form() as form:
        name = str(form.get("name", "")).strip()
        upload = form.get("logo")
        data = (
            await upload.read(MAX_LOGO_BYTES + 1)
            if isinstance(upload, UploadFile) and upload.filename
            else None
        )
        remove = form.get("remove_logo") == "yes"
    if len(name) > MAX_NAME_CHARS:
        return _page(
            request, storage, name, current, f"The name is longer than {MAX_NAME_CHARS} characters."
        )
    try:
        logo = normalise_logo(data) if data is not None else None
        if logo is not None:
            storage.put(brokerage_logo_key(), logo, "image/png")
    except Invalid as exc:
        return _page(request, storage, name, current, f"{exc.message[0].upper()}{exc.message[1:]}.")
    except StorageError:
        return _page(request, storage, name, current, "The logo could not be stored; try again.")
    if logo is not None:
        current = brokerage_logo_key()
    elif remove:
        current = None
    save_brokerage(session, name=name, logo_key=current)
    return redirect(request, "/admin/brokerage", "Saved: share pages show the new branding.")
