"""The style form of the admin console: a Style to form values and back, per-field errors,
and reference image uploads (validated like agents' photos)."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import FormData, UploadFile

from api.pages.form_sentences import form_errors
from catalog.models import Style
from catalog.quality import SCORES
from catalog.validation import StyleFields
from core.images import ImageRejected, normalise_upload
from core.settings import Settings
from core.storage import Storage, style_reference_key

NUMBER_PARAMS = (
    ("steps", "Steps", "1"),
    ("guidance_scale", "Guidance", "0.1"),
    ("strength", "Strength", "0.01"),
    ("depth_scale", "Depth control", "0.05"),
    ("mlsd_scale", "Line control", "0.05"),
    ("control_end", "Control ends at", "0.05"),
    ("depth_in_mask", "Depth kept in mask", "0.05"),
    ("ip_adapter_scale", "Reference strength", "0.05"),
)
THRESHOLD_FIELDS = tuple(
    (f"threshold_{name}", f"{score.label} ({'min' if score.higher_is_better else 'max'})", score)
    for name, score in SCORES.items()
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
    **{name: label for name, label, _ in THRESHOLD_FIELDS},
}


FAST_TIER_NEGATIVE = (
    "The fast tier runs at guidance 0, so this negative prompt is ignored. It is used only when a "
    "worker without the fast-tier LoRA runs this style on the standard tier."
)


def form_warnings(values: dict[str, Any]) -> dict[str, str]:
    """Settings that save but will not do what they say, keyed by the field they concern."""
    if values.get("fast_tier") and str(values.get("negative_prompt") or "").strip():
        return {"negative_prompt": FAST_TIER_NEGATIVE}
    return {}


def split_lines(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def form_values(style: Style | None) -> dict[str, Any]:
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
        **{
            field: (style.quality_thresholds or {}).get(field.removeprefix("threshold_"), "")
            for field, _, _ in THRESHOLD_FIELDS
        },
    )
    return values


def submitted_values(form: FormData) -> dict[str, Any]:
    """The form as entered, to re-show it when it has errors."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in LABELS}
    values["room_types"] = [str(v) for v in form.getlist("room_types")]
    values["is_active"] = form.get("is_active") == "yes"
    values["fast_tier"] = form.get("fast_tier") == "yes"
    return values


def to_fields(values: dict[str, Any], sort_order: int | None) -> dict[str, Any]:
    """Style fields from the form; a new style (no sort_order) goes to the end of the list."""
    params: dict[str, Any] = {
        name: values[name] for name, _, _ in NUMBER_PARAMS if values[name] != ""
    }
    if values["scheduler"]:
        params["scheduler"] = values["scheduler"]
    if values["fast_tier"]:
        params["fast_tier"] = True
    if values["protected_classes"]:
        params["protected_classes"] = split_lines(values["protected_classes"])
    fields = {
        **{k: values[k] for k in ("name", "slug", "description", "prompt", "negative_prompt")},
        "palette": split_lines(values["palette"]),
        "room_types": values["room_types"],
        "is_active": values["is_active"],
        "params": params,
        "quality_thresholds": {
            field.removeprefix("threshold_"): values[field]
            for field, _, _ in THRESHOLD_FIELDS
            if values[field] != ""
        },
    }
    if sort_order is not None:
        fields["sort_order"] = sort_order
    return fields


def _form_field(loc: list[str]) -> str:
    """The form field of an error: params and thresholds have a field each."""
    if loc[0] == "params" and len(loc) > 1:
        return loc[1]
    if loc[0] == "quality_thresholds" and len(loc) > 1:
        return f"threshold_{loc[1]}"
    return loc[0]


def field_errors(fields: dict[str, Any]) -> dict[str, str]:
    """Every validation error, keyed by the form field it belongs to."""
    return form_errors(StyleFields, fields, LABELS, _form_field)


async def read_references(form: FormData, settings: Settings) -> tuple[list[bytes], str | None]:
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


def store_references(
    storage: Storage, style: Style, images: list[bytes], removed: list[str]
) -> None:
    """Old objects are kept: snapshots on earlier jobs may still point at them."""
    keys = [key for key in style.reference_image_keys if key not in removed]
    for data in images:
        key = style_reference_key(style.id, secrets.randbelow(2**31))
        storage.put(key, data, "image/jpeg")
        keys.append(key)
    style.reference_image_keys = keys
