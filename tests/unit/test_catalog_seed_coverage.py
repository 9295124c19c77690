"""The seeded catalog offers kitchens and bathrooms more than a token choice of styles."""

from __future__ import annotations

import pytest

from catalog.models import ROOM_TYPES
from catalog.seed import load_seed_styles


@pytest.mark.parametrize("room_type", ["kitchen", "bathroom"])
def test_seeded_styles_cover_kitchens_and_bathrooms(room_type):
    assert room_type in ROOM_TYPES
    styles = load_seed_styles()
    offering = [s["slug"] for s in styles if room_type in s["room_types"]]
    assert len(offering) > len(styles) // 2, offering


def test_every_seeded_room_type_is_known():
    assert {t for s in load_seed_styles() for t in s["room_types"]} <= set(ROOM_TYPES)
