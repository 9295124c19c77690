"""Loads the curated styles in catalog/data/styles.json into an empty catalog, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Style
from catalog.service import create_style

STYLES_FILE = Path(__file__).resolve().parent / "data" / "styles.json"


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
