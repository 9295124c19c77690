"""The merchandisers' sky library: list, upload, activate and delete the skies agents pick from
for sky replacement."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import (
    CsrfChecked,
    PageError,
    PageRoute,
    StaffPageUser,
    attempt,
    redirect,
    render,
)
from api.pages.confirm import CONFIRMED, confirm_page
from api.pages.form_sentences import form_errors
from catalog import skies as library
from catalog.models import Sky
from catalog.skies import MIN_SKY_WIDTH_PX, SkyFields
from core.errors import NotFound, ServiceError
from core.images import ImageRejected
from core.storage import Storage, web_key

router = APIRouter(prefix="/admin/skies", include_in_schema=False, route_class=PageRoute)

LABELS = {"name": "Name", "licence": "Licence", "credit": "Credit", "image": "Image"}
BLANK_FORM = {"name": "", "licence": "", "credit": "", "is_active": True}


def _sky(session: SessionDep, sky_id: int) -> Sky:
    try:
        return library.get_sky(session, sky_id)
    except NotFound as exc:
        raise PageError(404, "Sky not found", f"There is no sky #{sky_id}.") from exc


def _page(
    request: Request,
    session: SessionDep,
    storage: Storage,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    skies = [
        {"sky": sky, "url": storage.url(web_key(sky.image_key)) if sky.image_key else ""}
        for sky in library.list_skies(session)
    ]
    context = {
        "nav": "admin-skies",
        "skies": skies,
        "form": form or BLANK_FORM,
        "errors": errors or {},
        "min_width": MIN_SKY_WIDTH_PX,
    }
    return render(request, "admin/skies.html", context, status=status)


@router.get("")
def skies_page(
    request: Request, session: SessionDep, storage: StorageDep, user: StaffPageUser
) -> Response:
    return _page(request, session, storage)


@router.post("", dependencies=[CsrfChecked])
async def add_sky(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: StaffPageUser,
    name: Annotated[str, Form(max_length=200)] = "",
    licence: Annotated[str, Form(max_length=300)] = "",
    credit: Annotated[str, Form(max_length=500)] = "",
    active: Annotated[str, Form(pattern="^(|yes)$")] = "",
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = {"name": name, "licence": licence, "credit": credit, "is_active": active == "yes"}
    errors = form_errors(SkyFields, form, LABELS)
    status = 422
    data = await image.read(settings.max_upload_bytes + 1) if image and image.filename else b""
    if not data:
        errors["image"] = "Choose an image of the sky (JPEG, PNG or WebP)."
    if not errors:
        try:
            sky = library.create_sky(session, storage, settings, form, data)
        except ImageRejected as exc:
            errors["image"], status = f"{exc.message[:1].upper()}{exc.message[1:]}.", exc.status
        except ServiceError as exc:
            errors[exc.field or "name"] = exc.message
    if errors:
        return _page(request, session, storage, form, errors, status=status)
    return redirect(request, "/admin/skies", f"Added the sky “{sky.name}”.")


@router.post("/{sky_id}/active", dependencies=[CsrfChecked])
def toggle_active(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    sky_id: int,
    active: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    sky = _sky(session, sky_id)
    return attempt(
        request,
        "/admin/skies",
        lambda: library.set_sky_active(session, sky, active == "yes"),
        lambda: f"“{sky.name}” is now {'active' if sky.is_active else 'inactive'}.",
    )


@router.post("/{sky_id}/delete", dependencies=[CsrfChecked])
def delete(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    sky_id: int,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    sky = _sky(session, sky_id)
    name = sky.name
    if confirm != CONFIRMED:
        return confirm_page(
            request,
            title=f"Delete the sky “{name}”?",
            message="Agents can no longer choose it. This cannot be undone; to hide it for a "
            "while, deactivate it instead.",
            action=f"/admin/skies/{sky.id}/delete",
            confirm_label="Delete it for good",
            back_url="/admin/skies",
        )
    library.delete_sky(session, sky)
    return redirect(request, "/admin/skies", f"“{name}” was deleted.")
