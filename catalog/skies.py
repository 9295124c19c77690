"""The sky library: skies merchandisers curate for sky replacement; caller commits."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Sky
from catalog.validation import first_invalid
from core.errors import NotFound
from core.images import ImageRejected, NormalisedImage, normalise_upload
from core.renditions import web_rendition_of
from core.settings import Settings
from core.storage import Storage, sky_image_key, web_key

MIN_SKY_WIDTH_PX = 1024
"""A narrower sky would be blown up past recognition to cover a listing photo's sky."""


class SkyFields(BaseModel):
    """A sky's text fields, validated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    licence: str = Field(min_length=1, max_length=120)
    credit: str = Field("", max_length=200)
    is_active: bool = True


def validate_sky_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Checked column values; raises Invalid naming the first bad field."""
    try:
        return SkyFields.model_validate(data).model_dump()
    except ValidationError as exc:
        raise first_invalid(exc) from exc


def check_sky_image(data: bytes, settings: Settings) -> NormalisedImage:
    """The upload as a baseline sRGB JPEG, checked like agents' photos and wide enough."""
    try:
        image = normalise_upload(data, settings)
    except ImageRejected as exc:
        message = exc.message.replace("the photo", "the sky image", 1)
        raise ImageRejected(exc.code, message, field="image") from exc
    if image.width < MIN_SKY_WIDTH_PX:
        raise ImageRejected(
            "too_small",
            f"the sky image is {image.width}x{image.height} pixels; it must be at least "
            f"{MIN_SKY_WIDTH_PX} pixels wide to cover a photo's sky",
            field="image",
        )
    return image


def create_sky(
    session: Session, storage: Storage, settings: Settings, fields: dict[str, Any], image: bytes
) -> Sky:
    """A new sky from its fields and image; the image and its web rendition are stored.

    Fields and image are checked before anything is written; a storage failure raises and the
    caller's rollback leaves no row.
    """
    values = validate_sky_fields(fields)
    accepted = check_sky_image(image, settings)
    sky = Sky(**values, width=accepted.width, height=accepted.height)
    session.add(sky)
    session.flush()
    key = sky_image_key(sky.id)
    storage.put(key, accepted.data, "image/jpeg")
    storage.put(web_key(key), web_rendition_of(accepted.data), "image/jpeg")
    sky.image_key = key
    session.flush()
    return sky


def list_skies(session: Session, *, active: bool | None = None) -> list[Sky]:
    """Skies by name (only the active or inactive ones when asked)."""
    query = select(Sky).order_by(Sky.name, Sky.id)
    if active is not None:
        query = query.where(Sky.is_active.is_(active))
    return list(session.scalars(query))


def get_sky(session: Session, sky_id: int) -> Sky:
    sky = session.get(Sky, sky_id)
    if sky is None:
        raise NotFound(f"sky {sky_id} does not exist")
    return sky


def set_sky_active(session: Session, sky: Sky, active: bool) -> None:
    sky.is_active = active
    session.flush()


def delete_sky(session: Session, sky: Sky) -> None:
    """Remove a sky from the library. Its stored image is kept, like a style's references:
    a job that chose the sky may still be waiting to use it."""
    session.delete(sky)
    session.flush()
