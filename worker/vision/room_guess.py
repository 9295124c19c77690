"""A room type guessed from the photo's segmentation: the furniture and fixtures it shows.

Only what names a room counts. Windows, doors, lights, radiators, fireplaces and curtains are
in every room, so a photo that shows only those gets no guess. Sky, trees and plants are no
evidence either: they are seen through windows and stand in pots indoors. A patio is outdoor
ground where the camera stands (the bottom of the photo) under no ceiling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from worker.vision.ade20k import FLOOR_CLASSES, OUTDOOR_FLOOR_CLASSES, class_ids

if TYPE_CHECKING:
    from worker.vision.mask import Segmenter

EVIDENCE: dict[str, frozenset[str]] = {
    "bathroom": frozenset({"toilet", "bathtub", "shower", "towel"}),
    "bedroom": frozenset({"bed", "pillow", "wardrobe", "chest of drawers"}),
    "kids_room": frozenset({"cradle", "plaything"}),
    "dining_room": frozenset({"table", "chair", "buffet"}),
    "kitchen": frozenset(
        {"stove", "oven", "refrigerator", "kitchen island", "countertop", "dishwasher", "hood"}
    ),
    "home_office": frozenset({"desk", "swivel chair", "computer", "monitor"}),
    "living_room": frozenset({"sofa", "armchair", "coffee table", "television receiver"}),
}
"""ADE20K classes that point to each room type; studios and patios have rules of their own."""
MIN_SHARE = 0.01
"""Below this share of the photo, a room type's evidence is noise: no guess."""
STUDIO_SIGNS: tuple[frozenset[str], ...] = (frozenset({"sofa"}), EVIDENCE["kitchen"])
"""A bed with any of these in the same photo (each over MIN_SHARE) is a studio."""
GROUND_CLASSES = OUTDOOR_FLOOR_CLASSES - FLOOR_CLASSES
"""Outdoor ground: lawn, pavers, paths, earth, sand (a deck is labelled floor: no guess)."""
GROUND_BAND = 0.25
"""The bottom share of the photo where a patio's ground must be: where the camera stands."""
MIN_GROUND_SHARE = 0.3
"""A patio's ground covers at least this share of that band, and more of it than indoor floor."""
MAX_CEILING_SHARE = 0.005
"""A patio shows no more ceiling than this share of the photo (a view through a window does)."""
GUESS_SIDE = 768
"""The photo is segmented at most this long: enough to see furniture, cheap on any photo."""


def guess_room_type(labels: np.ndarray, id2label: dict[int, str]) -> str | None:
    """Bathroom on its fixtures, then patio, then studio, then the room type whose evidence
    covers most of the photo; None when nothing covers MIN_SHARE."""
    shares = {room: _share(labels, id2label, names) for room, names in EVIDENCE.items()}
    if shares["bathroom"] >= MIN_SHARE:
        return "bathroom"
    if _outdoors(labels, id2label):
        return "patio"
    if shares["bedroom"] >= MIN_SHARE and any(
        _share(labels, id2label, sign) >= MIN_SHARE for sign in STUDIO_SIGNS
    ):
        return "studio"
    room, best = max(shares.items(), key=lambda item: item[1])
    return room if best >= MIN_SHARE else None


def _share(labels: np.ndarray, id2label: dict[int, str], names: frozenset[str]) -> float:
    return float(np.isin(labels, class_ids(id2label, names)).mean())


def _outdoors(labels: np.ndarray, id2label: dict[int, str]) -> bool:
    """Outdoor ground under the camera and no ceiling overhead."""
    bottom = labels[round((1 - GROUND_BAND) * labels.shape[0]) :]
    ground = _share(bottom, id2label, GROUND_CLASSES)
    return (
        _share(labels, id2label, frozenset({"ceiling"})) <= MAX_CEILING_SHARE
        and ground >= MIN_GROUND_SHARE
        and ground > _share(bottom, id2label, FLOOR_CLASSES)
    )


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
