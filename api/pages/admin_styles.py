"""The merchandisers' catalog console: list, edit, reorder, activate, archive and try styles."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

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
from catalog import service as catalog
from catalog.models import ROOM_TYPES, Style
from catalog.validation import SCHEDULERS, StyleFields
from core.errors import NotFound, ServiceError
from core.images import ImageRejected, normalise_upload
from core.settings import Settings
from core.storage import Storage, style_reference_key
from jobs.derived import create_test_job

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=PageRoute)

NUMBER_PARAMS = (
    ("steps", "Steps", "1"),
    ("guidance_scale", "Guidance", "0.1"),
    ("strength", "Strength", "0.01"),
    ("depth_scale", "Depth control", "0.05"),
    ("mlsd_scale", "Line control", "0.05"),
    ("control_end", "Control ends at", "0.05"),
    ("ip_adapter_scale", "Reference strength", "0.05"),
)
LABELS = {
    "name": "Name",
    "slug": "Slug",
    "description": "Description",
    "prompt": "Prompt",
    "negative_prompt": "Negative prompt",
    "palette": "Palette",
    "room_types": "Room types",
    "scheduler": "Scheduler",
    "protected_classes": "Protected classes",
    "references": "Reference images",
    **{name: label for name, label, _ in NUMBER_PARAMS},
}
ACTIVE_FILTERS = {
    "": (None, False),
    "yes": (True, False),
    "no": (False, False),
    "archived": (None, True),
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _form_values(style: Style | None) -> dict[str, Any]:
    """The edit form's fields, as text, from a style (or blank for a new one)."""
    if style is None:
        return {"room_types": [], "is_active": True, "palette": "", **dict.fromkeys(LABELS, "")}
    params = style.params or {}
    values: dict[str, Any] = {
        name: getattr(style, name)
        for name in ("name", "slug", "description", "prompt", "negative_prompt")
    }
    values.update(
        palette=", ".join(style.palette),
        room_types=list(style.room_types),
        is_active=style.is_active,
        scheduler=params.get("scheduler", ""),
        fast_tier=bool(params.get("fast_tier")),
        protected_classes=", ".join(params.get("protected_classes") or []),
        **{name: params.get(name, "") for name, _, _ in NUMBER_PARAMS},
    )
    return values


def _submitted(form: FormData) -> dict[str, Any]:
    """The form as entered, to re-show it when it has errors."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in LABELS}
    values["room_types"] = [str(v) for v in form.getlist("room_types")]
    values["is_active"] = form.get("is_active") == "yes"
    values["fast_tier"] = form.get("fast_tier") == "yes"
    return values


def _to_fields(values: dict[str, Any], sort_order: int | None) -> dict[str, Any]:
    """Style fields from the form; a new style (no sort_order) goes to the end of the list."""
    params: dict[str, Any] = {
        name: values[name] for name, _, _ in NUMBER_PARAMS if values[name] != ""
    }
    if values["scheduler"]:
        params["scheduler"] = values["scheduler"]
    if values["fast_tier"]:
        params["fast_tier"] = True
    if values["protected_classes"]:
        params["protected_classes"] = _split(values["protected_classes"])
    fields = {
        **{k: values[k] for k in ("name", "slug", "description", "prompt", "negative_prompt")},
        "palette": _split(values["palette"]),
        "room_types": values["room_types"],
        "is_active": values["is_active"],
        "params": params,
    }
    if sort_order is not None:
        fields["sort_order"] = sort_order
    return fields


def field_errors(fields: dict[str, Any]) -> dict[str, str]:
    """Every validation error, keyed by the form field it belongs to."""
    try:
        StyleFields.model_validate(fields)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            name = loc[1] if loc[0] == "params" and len(loc) > 1 else loc[0]
            errors.setdefault(name, re.sub(r"^Value error, ", "", error["msg"]))
        return errors
    return {}


async def _references(form: FormData, settings: Settings) -> tuple[list[bytes], str | None]:
    """Validated reference uploads (like agents' photos), or the first rejection in words."""
    images = []
    for upload in form.getlist("references"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        data = await upload.read(settings.max_upload_bytes + 1)
        try:
            images.append(normalise_upload(data, settings).data)
        except ImageRejected as exc:
            return [], f"{upload.filename}: {exc.message}"
    return images, None


def _store_references(
    storage: Storage, style: Style, images: list[bytes], removed: list[str]
) -> None:
    """Old objects are kept: snapshots on earlier jobs may still point at them."""
    keys = [key for key in style.reference_image_keys if key not in removed]
    for data in images:
        key = style_reference_key(style.id, secrets.randbelow(2**31))
        storage.put(key, data, "image/jpeg")
        keys.append(key)
    style.reference_image_keys = keys


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
        "labels": LABELS,
        "room_types": ROOM_TYPES,
        "schedulers": SCHEDULERS,
        "number_params": NUMBER_PARAMS,
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
        "used_ids": catalog.style_ids_in_use(session),
        "filters": {"q": q, "active": active},
    }
    return render(request, "admin/styles.html", context)


@router.get("/styles/new")
def new_style_page(request: Request, storage: StorageDep, user: StaffPageUser) -> Response:
    return _form_page(request, storage, None, _form_values(None), {})


async def _save(
    request: Request,
    session: SessionDep,
    settings: Settings,
    storage: Storage,
    style: Style | None,
) -> Response:
    # Closing the form closes its uploads' spooled temp files (Starlette leaves them open).
    async with request.form() as form:
        values = _submitted(form)
        fields = _to_fields(values, style.sort_order if style else None)
        errors = field_errors(fields)
        images, rejected = await _references(form, settings)
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
        _store_references(storage, style, images, removed)
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


@router.get("/styles/{style_id}")
def edit_style_page(
    request: Request, session: SessionDep, storage: StorageDep, user: StaffPageUser, style_id: int
) -> Response:
    style = _style(session, style_id)
    return _form_page(request, storage, style, _form_values(style), {})


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
) -> Response:
    style = _style(session, style_id)
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
def archive(request: Request, session: SessionDep, user: StaffPageUser, style_id: int) -> Response:
    style = _style(session, style_id)
    name = style.name
    outcome = catalog.archive_or_delete(session, style)
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
    except ServiceError as exc:
        return redirect(request, "/admin/styles", exc.message, kind="error")
    return redirect(request, f"/admin/jobs/{job.id}", f"Test run of “{style.name}” queued.")
