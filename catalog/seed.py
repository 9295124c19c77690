"""Loads the curated styles in catalog/data/styles.json into an empty catalog, once, the
generated skies into an empty sky library, and the pieces of catalog/data/edit_items.json into an
empty list of edit items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.generated_skies import LOOKS, generated_sky_jpeg
from catalog.items import create_item
from catalog.models import EditItem, Sky, Style
from catalog.service import create_style
from catalog.skies import create_sky
from core.settings import Settings
from core.storage import Storage

STYLES_FILE = Path(__file__).resolve().parent / "data" / "styles.json"
ITEMS_FILE = STYLES_FILE.with_name("edit_items.json")


def load_seed_styles(path: Path = STYLES_FILE) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def seed_styles(session: Session, path: Path = STYLES_FILE) -> tuple[list[str], list[str]]:
    """Fill an empty catalog; returns (created, already present) slugs.

    A catalog with any style in it belongs to the merchandisers: a style they deleted stays deleted.
    """
    present = list(session.scalars(select(Style.slug).order_by(Style.id)))
    if present:
        return [], present
    created: list[str] = []
    for position, data in enumerate(load_seed_styles(path), start=1):
        create_style(session, {"sort_order": position * 10, **data})
        created.append(data["slug"])
    return created, present


GENERATED_LICENCE = "generated"


def seed_skies(
    session: Session, storage: Storage, settings: Settings
) -> tuple[list[str], list[str]]:
    """Fill an empty sky library with the generated skies; returns (created, present) names.

    As with styles, a library with any sky in it is the merchandisers' to keep.
    """
    present = list(session.scalars(select(Sky.name).order_by(Sky.id)))
    if present:
        return [], present
    created = []
    for seed, look in LOOKS.items():
        fields = {"name": look.name, "licence": GENERATED_LICENCE, "credit": "Stagewright"}
        create_sky(session, storage, settings, fields, generated_sky_jpeg(seed))
        created.append(look.name)
    return created, present


def load_seed_items(path: Path = ITEMS_FILE) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def seed_items(
    session: Session, storage: Storage, settings: Settings, path: Path = ITEMS_FILE
) -> tuple[list[str], list[str]]:
    """Fill an empty list of edit items; returns (created, present) names. As with styles, a
    list with any item in it is the merchandisers' to keep."""
    present = list(session.scalars(select(EditItem.name).order_by(EditItem.id)))
    if present:
        return [], present
    created = []
    for data in load_seed_items(path):
        created.append(create_item(session, storage, settings, data).name)
    return created, present
