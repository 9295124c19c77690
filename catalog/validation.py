"""The rules a style's fields follow, shared by the admin console, the API and the seed."""

from __future__ import annotations

import re
import string
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from catalog.models import ROOM_TYPES
from catalog.prompts import CLIP_MAX_TOKENS, clip_tokens, compose_prompt
from catalog.quality import QualityThresholds
from core.errors import Invalid
from core.generation import StyleParams
from core.settings import get_settings

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HEX_COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
PROMPT_PLACEHOLDERS = {"room_type", "furniture"}

HexColour = Annotated[str, StringConstraints(pattern=HEX_COLOUR_PATTERN, to_lower=True)]


class StyleFields(BaseModel):
    """Every editable field of a style, validated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: str = Field(min_length=2, max_length=60, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=2000)
    room_types: list[str] = Field(min_length=1)
    # After room_types: the prompts' validators count tokens for each room type.
    prompt: str = Field(min_length=10, max_length=2000)
    negative_prompt: str = Field("", max_length=2000)
    palette: list[HexColour] = Field(min_length=1, max_length=8)
    params: StyleParams = Field(default_factory=StyleParams)
    quality_thresholds: QualityThresholds = Field(default_factory=QualityThresholds)
    sort_order: int = Field(0, ge=-1_000_000, le=1_000_000)
    is_active: bool = True

    @field_validator("room_types")
    @classmethod
    def _known_room_types(cls, value: list[str]) -> list[str]:
        return known_room_types(value)

    @field_validator("prompt", "negative_prompt")
    @classmethod
    def _only_known_placeholders(cls, value: str) -> str:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"unbalanced braces: {exc}; write {{room_type}}") from exc
        if names - PROMPT_PLACEHOLDERS:
            raise ValueError("the only placeholders allowed are {room_type} and {furniture}")
        return value

    @field_validator("prompt")
    @classmethod
    def _prompt_fits_clip(cls, value: str, info: ValidationInfo) -> str:
        suffix = get_settings().sdxl.prompt_suffix
        for room_type in info.data.get("room_types") or []:
            prompt = ", ".join(p for p in (compose_prompt(value, room_type), suffix) if p)
            check_tokens(prompt, f"for {room_type} (with its furniture and the suffix)")
        return value

    @field_validator("negative_prompt")
    @classmethod
    def _negative_fits_clip(cls, value: str) -> str:
        negative = ", ".join(p for p in (value, get_settings().sdxl.negative_prompt) if p)
        check_tokens(negative, "with the default negative prompt")
        return value

    def to_columns(self) -> dict[str, Any]:
        """The values to store, params without the unset keys."""
        values = self.model_dump()
        values["params"] = self.params.model_dump(exclude_none=True)
        values["quality_thresholds"] = self.quality_thresholds.model_dump(exclude_none=True)
        return values


def known_room_types(value: list[str]) -> list[str]:
    """The room types without repeats; ValueError naming any that catalog.models does not know."""
    unknown = [room for room in value if room not in ROOM_TYPES]
    if unknown:
        raise ValueError(f"unknown room type {', '.join(unknown)}; use {', '.join(ROOM_TYPES)}")
    return list(dict.fromkeys(value))


def check_tokens(text: str, where: str) -> None:
    count = clip_tokens(text)
    if count > CLIP_MAX_TOKENS:
        raise ValueError(
            f"{count} CLIP tokens {where}; SDXL reads only {CLIP_MAX_TOKENS} and cuts the rest: "
            f"shorten it by {count - CLIP_MAX_TOKENS}"
        )


def first_invalid(exc: ValidationError) -> Invalid:
    """The first error of a validation as Invalid, naming its field."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = re.sub(r"^Value error, ", "", first["msg"])
    return Invalid(f"{field}: {message}" if field else message, field=field)


def validate_style_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Checked column values for a style; raises Invalid naming the first bad field."""
    try:
        return StyleFields.model_validate(data).to_columns()
    except ValidationError as exc:
        raise first_invalid(exc) from exc
