"""The room type guessed from segmentation labels the test draws."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.models import ROOM_TYPES
from worker.vision.ade20k import ADE20K_LABELS
from worker.vision.room_guess import EVIDENCE, guess_room_type

ID2LABEL = dict(enumerate(ADE20K_LABELS))
ID = {name: index for index, name in ID2LABEL.items()}


def _room(**shares: float) -> np.ndarray:
    labels = np.full(10_000, ID["wall"])
    start = 0
    for name, share in shares.items():
        count = round(share * labels.size)
        labels[start : start + count] = ID[name.replace("_", " ")]
        start += count
    return labels.reshape(100, 100)


@pytest.mark.parametrize(
    ("shares", "expected"),
    [
        ({"bed": 0.2, "sofa": 0.05}, "bedroom"),
        ({"sofa": 0.15, "table": 0.05}, "living_room"),
        ({"table": 0.1, "chair": 0.08, "sofa": 0.1}, "dining_room"),
        ({"stove": 0.05, "countertop": 0.1}, "kitchen"),
        ({"desk": 0.1, "swivel_chair": 0.03}, "home_office"),
        ({"sky": 0.3, "grass": 0.2}, "patio"),
        ({"floor": 0.4}, None),
        ({"bed": 0.005}, None),
    ],
)
def test_guess_follows_the_evidence(shares, expected):
    assert guess_room_type(_room(**shares), ID2LABEL) == expected


def test_every_guess_is_a_room_type():
    assert set(EVIDENCE) <= set(ROOM_TYPES)
