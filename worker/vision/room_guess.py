"""A room type guessed from the photo's segmentation: the furniture and fixtures it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from worker.vision.ade20k import class_ids

if TYPE_CHECKING:
    from worker.vision.mask import Segmenter

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
GUESS_SIDE = 768
"""The photo is segmented at most this long: enough to see furniture, cheap on any photo."""


def guess_room_type(labels: np.ndarray, id2label: dict[int, str]) -> str | None:
    """The room type whose evidence covers most of the photo, or None when nothing does."""
    shares = {
        room: float(np.isin(labels, class_ids(id2label, names)).mean())
        for room, names in EVIDENCE.items()
    }
    room, share = max(shares.items(), key=lambda item: item[1])
    return room if share >= MIN_SHARE else None


def guess_from_photo(photo: Image.Image, segmenter: Segmenter | None) -> str | None:
    """The room type the photo's segmentation suggests (None without a segmenter)."""
    if segmenter is None:
        return None
    photo = photo.convert("RGB")
    scale = min(1.0, GUESS_SIDE / max(photo.size))
    if scale < 1.0:
        size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
        photo = photo.resize(size, Image.Resampling.BILINEAR)
    return guess_room_type(segmenter.labels(photo), segmenter.id2label)
