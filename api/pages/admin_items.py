"""The merchandisers' edit items: the pieces agents can add to a part of a result
(catalog/items.py), listed by room type, added, changed, activated and deleted."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
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
from catalog import items as catalog
from catalog.items import MAX_PROMPT_TOKENS, MIN_IMAGE_PX, ItemFields
from catalog.models import ROOM_TYPES, EditItem
from core.errors import NotFound, ServiceError
from core.images import ImageRejected
from core.settings import Settings
from core.storage import Storage, web_key

router = APIRouter(prefix="/admin/items", include_in_schema=False, route_class=PageRoute)

LABELS = {
    "name": "Name",
    "room_types": "Room types",
    "prompt": "Prompt fragment",
    "reference_image": "Reference image",
}
BLANK_FORM: dict[str, Any] = {"name": "", "room_types": [], "prompt": "", "is_active": True}

NameField = Annotated[str, Form(max_length=300)]
PromptField = Annotated[str, Form(max_length=1000)]
RoomTypesField = Annotated[list[str] | None, Form(max_length=len(ROOM_TYPES) * 2)]
ActiveField = Annotated[str, Form(pattern="^(|yes)$")]
ImageField = Annotated[UploadFile | None, File()]


def _item(session: SessionDep, item_id: int) -> EditItem:
    try:
        return catalog.get_item(session, item_id)
    except NotFound as exc:
        raise PageError(404, "Item not found", f"There is no edit item #{item_id}.") from exc


def _image_url(storage: Storage, item: EditItem) -> str:
    return storage.url(web_key(item.reference_image_key)) if item.reference_image_key else ""


def _context(form: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "nav": "admin-items",
        "form": form,
        "errors": errors,
        "room_types": ROOM_TYPES,
        "max_tokens": MAX_PROMPT_TOKENS,
        "min_image": MIN_IMAGE_PX,
    }


def _list_page(
    request: Request,
    session: SessionDep,
    storage: Storage,
    room_type: str | None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    room = room_type if room_type in ROOM_TYPES else None
    rows = [
        {"item": item, "url": _image_url(storage, item)}
        for item in catalog.list_items(session, room_type=room)
    ]
    context = {**_context(form or BLANK_FORM, errors or {}), "rows": rows, "room": room}
    return render(request, "admin/items.html", context, status=status)


def _item_page(
    request: Request,
    storage: Storage,
    item: EditItem,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    form = form or {
        "name": item.name,
        "room_types": list(item.room_types),
        "prompt": item.prompt,
        "is_active": item.is_active,
    }
    context = {**_context(form, errors or {}), "item": item, "url": _image_url(storage, item)}
    return render(request, "admin/item.html", context, status=status)


def _form(name: str, room_types: list[str] | None, prompt: str, active: str) -> dict[str, Any]:
    return {
        "name": name,
        "room_types": list(room_types or []),
        "prompt": prompt,
        "is_active": active == "yes",
    }


async def _upload(image: UploadFile | None, settings: Settings) -> bytes:
    return await image.read(settings.max_upload_bytes + 1) if image and image.filename else b""


def _save(save: Any) -> tuple[dict[str, str], int]:
    """Run a service call that stores an item; its refusals as per-field errors and a status."""
    try:
        save()
    except ImageRejected as exc:
        return {"reference_image": f"{exc.message[:1].upper()}{exc.message[1:]}."}, exc.status
    except ServiceError as exc:
        return {exc.field or "name": exc.message}, exc.status
    return {}, 200


@router.get("")
def items_page(
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    user: StaffPageUser,
    room_type: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _list_page(request, session, storage, room_type)


@router.post("", dependencies=[CsrfChecked])
async def add_item(
    request: Request, session: SessionDep, settings: SettingsDep, storage: StorageDep,
    user: StaffPageUser, name: NameField = "", room_types: RoomTypesField = None,
    prompt: PromptField = "", active: ActiveField = "", reference_image: ImageField = None,
) -> Response:  # fmt: skip
    form = _form(name, room_types, prompt, active)
    errors, status = form_errors(ItemFields, form, LABELS), 422
    data = await _upload(reference_image, settings)
    created: list[EditItem] = []
    if not errors:
        errors, status = _save(
            lambda: created.append(catalog.create_item(session, storage, settings, form, data))
        )
    if errors:
        return _list_page(request, session, storage, None, form, errors, status=status)
    return redirect(request, "/admin/items", f"Added “{created[0].name}”.")


@router.get("/{item_id}")
def item_page(
    request: Request, session: SessionDep, storage: StorageDep, user: StaffPageUser, item_id: int
) -> Response:
    return _item_page(request, storage, _item(session, item_id))


@router.post("/{item_id}", dependencies=[CsrfChecked])
async def change_item(
    request: Request, session: SessionDep, settings: SettingsDep, storage: StorageDep,
    user: StaffPageUser, item_id: int, name: NameField = "", room_types: RoomTypesField = None,
    prompt: PromptField = "", active: ActiveField = "", reference_image: ImageField = None,
    drop_image: ActiveField = "",
) -> Response:  # fmt: skip
    item = _item(session, item_id)
    form = _form(name, room_types, prompt, active)
    errors, status = form_errors(ItemFields, form, LABELS), 422
    data = await _upload(reference_image, settings)
    if not errors:
        errors, status = _save(
            lambda: catalog.update_item(
                session, storage, settings, item, form, image=data, drop_image=drop_image == "yes"
            )
        )
    if errors:
        return _item_page(request, storage, item, form, errors, status=status)
    return redirect(request, "/admin/items", f"Saved “{item.name}”.")


@router.post("/{item_id}/active", dependencies=[CsrfChecked])
def toggle_active(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    item_id: int,
    active: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    item = _item(session, item_id)
    return attempt(
        request,
        "/admin/items",
        lambda: catalog.set_item_active(session, item, active == "yes"),
        lambda: f"“{item.name}” is now {'active' if item.is_active else 'inactive'}.",
    )


@router.post("/{item_id}/delete", dependencies=[CsrfChecked])
def delete(
    request: Request,
    session: SessionDep,
    user: StaffPageUser,
    item_id: int,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    item = _item(session, item_id)
    name = item.name
    if confirm != CONFIRMED:
        return confirm_page(
            request,
            title=f"Delete “{name}”?",
            message="Agents can no longer add it; edits already queued with it still add it. "
            "This cannot be undone; to hide it for a while, deactivate it instead.",
            action=f"/admin/items/{item.id}/delete",
            confirm_label="Delete it for good",
            back_url="/admin/items",
        )
    catalog.delete_item(session, item)
    return redirect(request, "/admin/items", f"“{name}” was deleted.")
