"""The room type guessed from labelled synthetic rooms (ADE20K label maps) by the real rule."""

from __future__ import annotations

from typing import TypedDict

import pytest

from catalog.models import ROOM_TYPES
from tests.support.label_rooms import ID2LABEL, room
from worker.vision.room_guess import EVIDENCE, guess_room_type

WINDOW = ("windowpane", 0.2, 0.35, 0.5, 0.65)
VIEW = (("sky", 0.2, 0.35, 0.32, 0.65), ("tree", 0.32, 0.35, 0.42, 0.65))
LAWN = ("grass", 0.42, 0.35, 0.5, 0.65)
FIXTURES = (
    WINDOW,
    ("door", 0.15, 0.75, 0.6, 0.9),
    ("radiator", 0.45, 0.05, 0.6, 0.25),
    ("light", 0.0, 0.45, 0.05, 0.55),
    ("fireplace", 0.3, 0.05, 0.6, 0.2),
    ("curtain", 0.15, 0.3, 0.55, 0.35),
)
BED = ("bed", 0.5, 0.3, 0.85, 0.7)
SOFA = ("sofa", 0.5, 0.05, 0.8, 0.3)


class _Ground(TypedDict):
    ceiling: float
    floor_top: float
    floor: str


PATIO_GROUND = _Ground(ceiling=0.0, floor_top=0.55, floor="sidewalk")

ROOMS = {
    "empty room with sky and trees in the window": (None, room(WINDOW, *VIEW)),
    "empty room, no ceiling in frame, lawn through the window": (
        None,
        room(WINDOW, *VIEW, LAWN, ceiling=0.0),
    ),
    "empty room with one potted plant": (None, room(("plant", 0.4, 0.7, 0.75, 0.8))),
    "only fixtures": (None, room(*FIXTURES)),
    "a bathroom's sink and mirror only": (
        None,
        room(("sink", 0.45, 0.4, 0.6, 0.6), ("mirror", 0.15, 0.4, 0.4, 0.6)),
    ),
    "bedroom with a view": ("bedroom", room(WINDOW, *VIEW, BED)),
    "bedroom with an armchair": ("bedroom", room(BED, ("armchair", 0.55, 0.75, 0.8, 0.9))),
    "bathroom": (
        "bathroom",
        room(("bathtub", 0.55, 0.05, 0.85, 0.5), ("toilet", 0.5, 0.7, 0.75, 0.8)),
    ),
    "shower room with a towel": (
        "bathroom",
        room(("shower", 0.1, 0.05, 0.9, 0.3), ("towel", 0.3, 0.6, 0.45, 0.7)),
    ),
    "patio with a potted plant": (
        "patio",
        room(("sky", 0.0, 0.0, 0.3, 1.0), ("plant", 0.35, 0.7, 0.6, 0.8), **PATIO_GROUND),
    ),
    "lawn with outdoor chairs": (
        "patio",
        room(("chair", 0.5, 0.3, 0.7, 0.4), ("table", 0.55, 0.45, 0.7, 0.6), **PATIO_GROUND),
    ),
    "studio: bed and sofa": ("studio", room(BED, SOFA)),
    "studio: bed and kitchen": (
        "studio",
        room(BED, ("countertop", 0.45, 0.0, 0.55, 0.2), ("stove", 0.55, 0.0, 0.7, 0.2)),
    ),
    "kitchen": (
        "kitchen",
        room(("countertop", 0.45, 0.0, 0.55, 1.0), ("stove", 0.55, 0.4, 0.8, 0.6)),
    ),
    "living room by the fireplace": ("living_room", room(*FIXTURES, SOFA)),
    "dining room": (
        "dining_room",
        room(("table", 0.55, 0.3, 0.75, 0.7), ("chair", 0.5, 0.2, 0.85, 0.3)),
    ),
    "home office": (
        "home_office",
        room(("desk", 0.5, 0.3, 0.75, 0.7), ("swivel chair", 0.6, 0.45, 0.9, 0.55)),
    ),
    "a speck of bed": (None, room(("bed", 0.9, 0.5, 0.92, 0.52))),
}


@pytest.mark.parametrize(("expected", "labels"), ROOMS.values(), ids=ROOMS.keys())
def test_guess_follows_the_evidence(expected, labels):
    assert guess_room_type(labels, ID2LABEL) == expected


def test_every_guess_is_a_room_type():
    assert set(EVIDENCE) | {"patio", "studio"} <= set(ROOM_TYPES)
