"""The merchandisers' catalog console: list, edit, reorder, activate, archive and try styles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
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
from api.pages.style_form import (
    LABELS,
    NUMBER_PARAMS,
    THRESHOLD_FIELDS,
    field_errors,
    form_values,
    form_warnings,
    read_references,
    store_references,
    submitted_values,
    to_fields,
)
from catalog import service as catalog
from catalog.models import ROOM_TYPES, Style
from catalog.quality import SCORES
from core.db import db_clock
from core.errors import AppError, NotFound, ServiceError
from core.generation import SCHEDULERS
from core.settings import Settings
from core.storage import Storage, StorageError
from jobs.derived import create_test_job
from jobs.quality_stats import QUALITY_WINDOW, quality_by_style
from jobs.usage import archive_or_delete_style, style_ids_in_use, style_in_use

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=PageRoute)

ACTIVE_FILTERS = {
    "": (None, False),
    "yes": (True, False),
    "no": (False, False),
    "archived": (None, True),
}


def _style(session: SessionDep, style_id: int) -> Style:
    try:
        return catalog.get_style_by_id(session, style_id)
    except NotFound as exc:
        raise PageError(404, "Style not found", f"There is no style #{style_id}.") from exc


def _form_page(
    request: Request,
    storage: Storage,
    style: Style | None,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    references = [
        {"key": key, "url": storage.url(key)}
        for key in (style.reference_image_keys if style else [])
    ]
    context = {
        "nav": "admin-styles",
        "style": style,
        "form": values,
        "errors": errors,
        "warnings": form_warnings(values),
        "labels": LABELS,
        "room_types": ROOM_TYPES,
        "schedulers": SCHEDULERS,
        "number_params": NUMBER_PARAMS,
        "threshold_fields": THRESHOLD_FIELDS,
        "references": references,
    }
    return render(request, "admin/style_form.html", context, status=422 if errors else 200)


@router.get("")
def admin_home(user: StaffPageUser) -> Response:
    return Response(status_code=303, headers={"Location": "/admin/styles"})


@router.get("/styles")
def styles_page(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    q: Annotated[str, Query(max_length=100)] = "",
    active: Annotated[str, Query(pattern="^(|yes|no|archived)$")] = "",
) -> Response:
    is_active, archived = ACTIVE_FILTERS[active]
    styles = catalog.search_styles(session, search=q, active=is_active, archived=archived)
    context = {
        "nav": "admin-styles",
        "styles": styles,
        "used_ids": style_ids_in_use(session),
        "filters": {"q": q, "active": active},
        "quality": quality_by_style(session, since=db_clock(session) - QUALITY_WINDOW),
        "quality_days": QUALITY_WINDOW.days,
        "scores": SCORES,
    }
    return render(request, "admin/styles.html", context)


@router.get("/styles/new")
def new_style_page(request: Request, storage: StorageDep, user: StaffPageUser) -> Response:
    return _form_page(request, storage, None, form_values(None), {})


async def _save(
    request: Request,
    session: SessionDep,
    settings: Settings,
    storage: Storage,
    style: Style | None,
) -> Response:
    is_edit = style is not None
    # Closing the form closes its uploads' spooled temp files (Starlette leaves them open).
    async with request.form() as form:
        values = submitted_values(form)
        fields = to_fields(values, style.sort_order if style else None)
        errors = field_errors(fields)
        images, rejected = await read_references(form, settings)
        if rejected:
            errors["references"] = rejected
        if not errors:
            try:
                if style is None:
                    style = catalog.create_style(session, fields)
                else:
                    catalog.update_style(session, style, fields)
            except ServiceError as exc:
                errors[exc.field or "name"] = exc.message
        if errors:
            return _form_page(
                request, storage, style if style and style.id else None, values, errors
            )
        assert style is not None
        removed = [str(key) for key in form.getlist("remove_reference")]
        try:
            store_references(storage, style, images, removed)
        except (StorageError, OSError):
            errors = {"references": "the reference images could not be stored; try again"}
            return _form_page(request, storage, style if is_edit else None, values, errors)
        return redirect(request, f"/admin/styles/{style.id}", f"Saved “{style.name}”.")


@router.post("/styles/new", dependencies=[CsrfChecked])
async def create_style(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: StaffPageUser,
) -> Response:
    return await _save(request, session, settings, storage, None)


@router.post("/styles/order", dependencies=[CsrfChecked])
def save_order(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    style_id: Annotated[list[int], Form()],
) -> Response:
    """The whole order after a drag or a key press; the script sends it and stays on the page."""
    try:
        catalog.reorder(session, style_id)
    except ServiceError as exc:
        raise PageError(400, "Order not saved", f"{exc.message}.") from exc
    return Response(status_code=204)


@router.get("/styles/{style_id}")
def edit_style_page(
    request: Request, session: SessionDep, storage: StorageDep, user: StaffPageUser, style_id: int
) -> Response:
    style = _style(session, style_id)
    return _form_page(request, storage, style, form_values(style), {})


@router.post("/styles/{style_id}", dependencies=[CsrfChecked])
async def update_style(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: StaffPageUser,
    style_id: int,
) -> Response:
    return await _save(request, session, settings, storage, _style(session, style_id))


@router.post("/styles/{style_id}/active", dependencies=[CsrfChecked])
def toggle_active(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    style_id: int,
    active: Annotated[str, Form(pattern="^(yes|no)$")],
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    style = _style(session, style_id)
    if active == "no" and style.is_active and confirm != CONFIRMED:
        return confirm_page(
            request,
            title=f"Deactivate “{style.name}”?",
            message=(
                "Agents no longer see it on New staging; jobs already queued in it still run. "
                "You can activate it again at any time."
            ),
            warning=catalog.deactivation_loses(session, style),
            action=f"/admin/styles/{style.id}/active",
            fields={"active": "no"},
            confirm_label="Deactivate",
            back_url="/admin/styles",
        )
    return attempt(
        request,
        "/admin/styles",
        lambda: catalog.set_active(session, style, active == "yes"),
        lambda: f"“{style.name}” is now {'active' if style.is_active else 'inactive'}.",
    )


@router.post("/styles/{style_id}/move", dependencies=[CsrfChecked])
def move(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    style_id: int,
    direction: Annotated[str, Form(pattern="^(up|down)$")],
) -> Response:
    ids = [s.id for s in catalog.search_styles(session, archived=False)]
    if style_id not in ids:
        raise PageError(404, "Style not found", f"There is no style #{style_id} to move.")
    at = ids.index(style_id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        catalog.reorder(session, ids)
    return redirect(request, "/admin/styles")


@router.post("/styles/{style_id}/archive", dependencies=[CsrfChecked])
def archive(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    style_id: int,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    style = _style(session, style_id)
    name = style.name
    if confirm != CONFIRMED:
        used = style_in_use(session, style)
        return confirm_page(
            request,
            title=f"{'Archive' if used else 'Delete'} “{name}”?",
            message=(
                "Jobs refer to this style, so it is archived: agents no longer see it, and you "
                "can restore it later."
                if used
                else "No job used this style, so it is deleted for good. This cannot be undone."
            ),
            action=f"/admin/styles/{style.id}/archive",
            confirm_label="Archive it" if used else "Delete it for good",
            back_url="/admin/styles",
        )
    outcome = archive_or_delete_style(session, style)
    detail = "archived (jobs still refer to it)" if outcome == "archived" else "deleted"
    return redirect(request, "/admin/styles", f"“{name}” was {detail}.")


@router.post("/styles/{style_id}/restore", dependencies=[CsrfChecked])
def restore(request: Request, session: SessionDep, user: StaffPageUser, style_id: int) -> Response:
    style = _style(session, style_id)
    catalog.restore(session, style)
    return redirect(request, "/admin/styles", f"“{style.name}” was restored (inactive).")


@router.post("/styles/{style_id}/try", dependencies=[CsrfChecked])
def try_style(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: StaffPageUser,
    style_id: int,
) -> Response:
    style = _style(session, style_id)
    try:
        job = create_test_job(session, user=user, style=style, storage=storage, settings=settings)
    except AppError as exc:
        return redirect(request, "/admin/styles", exc.message, kind="error")
    return redirect(request, f"/admin/jobs/{job.id}", f"Test run of “{style.name}” queued.")
