"""Validation errors of the style form, told as sentences a merchandiser can act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

PATTERN_HINTS = {
    "palette": "Each colour must be a # and six hex digits, like #1f3a5f.",
    "slug": "Use lowercase letters, digits and single hyphens only, like harbour-loft.",
}
LIST_NOUNS = {"palette": "colour", "room_types": "room type", "protected_classes": "class"}
NUMBER_TYPES = {"int_parsing", "float_parsing", "int_from_float", "int_type", "float_type"}


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else f"{text}."


def error_sentence(field: str, label: str, error: Any) -> str:
    """One pydantic error as a sentence about `label` (the field's name on the form)."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return PATTERN_HINTS.get(field, f"{label} contains characters it may not use.")
    if kind in ("missing", "string_too_short") and ctx.get("min_length", 1) <= 1:
        return f"{label} is required."
    if kind == "string_too_short":
        return f"{label} needs at least {ctx['min_length']} characters."
    if kind == "string_too_long":
        return f"{label} can have at most {ctx['max_length']} characters."
    if kind in ("too_short", "too_long"):
        count = ctx.get("min_length" if kind == "too_short" else "max_length", 1)
        noun = LIST_NOUNS.get(field, "item") + ("" if count == 1 else "s")
        if kind == "too_short" and count == 1:
            return f"Choose at least one {noun}."
        limit = "needs at least" if kind == "too_short" else "can have at most"
        return f"{label} {limit} {count} {noun}."
    if kind in NUMBER_TYPES:
        return f"{label} must be a number."
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{label} must be {words} {ctx.get(key)}."
    if kind == "value_error":
        return _sentence(str(ctx.get("error", error.get("msg", ""))))
    return f"{label} is not valid."


def form_errors(
    model: type[BaseModel],
    values: dict[str, Any],
    labels: dict[str, str],
    field_of: Callable[[list[str]], str] = lambda loc: loc[0],
) -> dict[str, str]:
    """Every validation error of values against model, as a sentence keyed by its form field
    (field_of maps an error's location to the field; the first error of a field wins)."""
    try:
        model.model_validate(values)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = field_of([str(part) for part in error["loc"]])
            errors.setdefault(name, error_sentence(name, labels.get(name, name), error))
        return errors
    return {}
