"""The pieces an edit can add (jobs/edits.py), curated by merchandisers per room type; caller
commits."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import EditItem
from catalog.prompts import clip_tokens
from catalog.validation import first_invalid, known_room_types
from core.errors import Invalid, NotFound
from core.images import ImageRejected, NormalisedImage, normalise_upload
from core.renditions import web_rendition_of
from core.settings import Settings
from core.storage import Storage, edit_item_image_key, web_key

MAX_PROMPT_TOKENS = 40
"""The piece's words leave the rest of SDXL's 77 CLIP tokens to the room and the style."""
MIN_IMAGE_PX = 224
"""The IP-Adapter's image encoder reads 224x224: a smaller reference would be blown up."""


class ItemFields(BaseModel):
    """An edit item's text fields, validated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    room_types: list[str] = Field(min_length=1)
    prompt: str = Field(min_length=3, max_length=200)
    is_active: bool = True

    @field_validator("room_types")
    @classmethod
    def _known_room_types(cls, value: list[str]) -> list[str]:
        return known_room_types(value)

    @field_validator("prompt")
    @classmethod
    def _short_plain_words(cls, value: str) -> str:
        if "{" in value or "}" in value:
            raise ValueError("the prompt fragment takes no placeholders: describe the piece alone")
        count = clip_tokens(value)
        if count > MAX_PROMPT_TOKENS:
            raise ValueError(
                f"the prompt fragment is {count} CLIP tokens; at most {MAX_PROMPT_TOKENS} leave "
                "room for the room and the style"
            )
        return value


def validate_item_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Checked column values; raises Invalid naming the first bad field."""
    try:
        return ItemFields.model_validate(data).model_dump()
    except ValidationError as exc:
        raise first_invalid(exc) from exc


def check_item_image(data: bytes, settings: Settings) -> NormalisedImage:
    """The upload as a baseline sRGB JPEG, checked like agents' photos and large enough."""
    try:
        image = normalise_upload(data, settings)
    except ImageRejected as exc:
        message = exc.message.replace("the photo", "the reference image", 1)
        raise ImageRejected(exc.code, message, field="reference_image") from exc
    if min(image.width, image.height) < MIN_IMAGE_PX:
        raise ImageRejected(
            "too_small",
            f"the reference image is {image.width}x{image.height} pixels; its sides must be at "
            f"least {MIN_IMAGE_PX} pixels",
            field="reference_image",
        )
    return image


def _store_image(storage: Storage, item: EditItem, accepted: NormalisedImage) -> None:
    key = edit_item_image_key(item.id, secrets.token_hex(6))
    storage.put(key, accepted.data, "image/jpeg")
    storage.put(web_key(key), web_rendition_of(accepted.data), "image/jpeg")
    item.reference_image_key = key


def create_item(
    session: Session,
    storage: Storage,
    settings: Settings,
    fields: dict[str, Any],
    image: bytes = b"",
) -> EditItem:
    """A new item; its reference image (optional) and the image's web rendition are stored.

    Everything is checked before anything is written; a storage failure raises and the caller's
    rollback leaves no row.
    """
    values = validate_item_fields(fields)
    accepted = check_item_image(image, settings) if image else None
    item = EditItem(**values)
    session.add(item)
    session.flush()
    if accepted is not None:
        _store_image(storage, item, accepted)
        session.flush()
    return item


def update_item(
    session: Session,
    storage: Storage,
    settings: Settings,
    item: EditItem,
    fields: dict[str, Any],
    *,
    image: bytes = b"",
    drop_image: bool = False,
) -> None:
    """New fields, and a new reference image or none. A replaced image stays stored: an edit
    queued with the item reads the one it chose (jobs/edits.py)."""
    values = validate_item_fields(fields)
    accepted = check_item_image(image, settings) if image else None
    for name, value in values.items():
        setattr(item, name, value)
    if accepted is not None:
        _store_image(storage, item, accepted)
    elif drop_image:
        item.reference_image_key = None
    session.flush()


def list_items(
    session: Session, *, room_type: str | None = None, active: bool | None = None
) -> list[EditItem]:
    """Items by name, only those for a room type, or only the (in)active ones, when asked."""
    query = select(EditItem).order_by(EditItem.name, EditItem.id)
    if active is not None:
        query = query.where(EditItem.is_active.is_(active))
    # A curated list of tens: filtered here, the same on SQLite's JSON and PostgreSQL's JSONB.
    return [item for item in session.scalars(query) if room_type in (None, *item.room_types)]


def get_item(session: Session, item_id: int) -> EditItem:
    item = session.get(EditItem, item_id)
    if item is None:
        raise NotFound(f"edit item {item_id} does not exist")
    return item


def offered_item(session: Session, item_id: int | None, room_type: str) -> EditItem:
    """The item an agent may add to a room of this type; Invalid (422, field item) otherwise."""
    if item_id is None:
        raise Invalid("choose the piece to add", field="item")
    item = session.get(EditItem, item_id)
    if item is None or not item.is_active:
        raise Invalid(f"there is no piece {item_id} to add", field="item")
    if room_type not in item.room_types:
        raise Invalid(f"“{item.name}” is not offered for a {room_type} room", field="item")
    return item


def set_item_active(session: Session, item: EditItem, active: bool) -> None:
    item.is_active = active
    session.flush()


def delete_item(session: Session, item: EditItem) -> None:
    """Remove an item. Its stored image is kept: an edit that chose it may still be queued."""
    session.delete(item)
    session.flush()
