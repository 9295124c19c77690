"""A room type guessed from the photo's segmentation: the furniture and fixtures it shows."""

from __future__ import annotations

import numpy as np

from worker.vision.ade20k import class_ids

EVIDENCE: dict[str, frozenset[str]] = {
    "bedroom": frozenset({"bed", "pillow", "wardrobe", "chest of drawers"}),
    "kids_room": frozenset({"cradle", "plaything"}),
    "dining_room": frozenset({"table", "chair", "buffet"}),
    "kitchen": frozenset(
        {"stove", "oven", "refrigerator", "kitchen island", "countertop", "dishwasher", "hood"}
    ),
    "home_office": frozenset({"desk", "swivel chair", "computer", "monitor"}),
    "living_room": frozenset(
        {"sofa", "armchair", "coffee table", "fireplace", "television receiver"}
    ),
    "patio": frozenset({"sky", "tree", "grass", "fence", "plant", "awning"}),
}
"""ADE20K classes that point to each room type (studios look like bedrooms plus living rooms)."""
MIN_SHARE = 0.01
"""Below this share of the photo, a room type's evidence is noise: no guess."""


def guess_room_type(labels: np.ndarray, id2label: dict[int, str]) -> str | None:
    """The room type whose evidence covers most of the photo, or None when nothing does."""
    shares = {
        room: float(np.isin(labels, class_ids(id2label, names)).mean())
        for room, names in EVIDENCE.items()
    }
    room, share = max(shares.items(), key=lambda item: item[1])
    return room if share >= MIN_SHARE else None
