"""Loads the curated styles in catalog/data/styles.json; existing slugs are left as edited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from catalog.service import create_style, get_style

STYLES_FILE = Path(__file__).resolve().parent / "data" / "styles.json"


def load_seed_styles(path: Path = STYLES_FILE) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def seed_styles(session: Session, path: Path = STYLES_FILE) -> tuple[list[str], list[str]]:
    """Create the styles whose slug is new; returns (created, already present) slugs."""
    created: list[str] = []
    present: list[str] = []
    for position, data in enumerate(load_seed_styles(path), start=1):
        if get_style(session, data["slug"]) is not None:
            present.append(data["slug"])
            continue
        create_style(session, {"sort_order": position * 10, **data})
        created.append(data["slug"])
    return created, present
