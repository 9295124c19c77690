"""Which ADE20K classes are furniture: what a declutter removes, what a staging must show."""

from __future__ import annotations

import numpy as np

from worker.vision.ade20k import class_ids

REMOVAL_CLASSES: frozenset[str] = frozenset(
    {
        "bed", "cabinet", "table", "chair", "sofa", "shelf", "rug", "armchair", "seat", "desk",
        "wardrobe", "lamp", "cushion", "box", "chest of drawers", "case", "pool table", "pillow",
        "bookcase", "coffee table", "book", "bench", "computer", "swivel chair", "towel",
        "television receiver", "apparel", "ottoman", "bottle", "buffet", "poster", "plaything",
        "stool", "barrel", "basket", "bag", "cradle", "ball", "food", "pot", "screen", "blanket",
        "sculpture", "vase", "tray", "ashcan", "fan", "crt screen", "plate", "monitor", "glass",
        "clock", "flower", "plant", "arcade machine", "washer", "microwave",
    }
)  # fmt: skip
"""Furniture and clutter a declutter removes; protected classes (ade20k.py) win over these."""

KEY_FURNITURE: dict[str, frozenset[str]] = {
    "living_room": frozenset({"sofa", "armchair"}),
    "bedroom": frozenset({"bed"}),
    "dining_room": frozenset({"table", "chair"}),
    "kitchen": frozenset({"table", "chair", "stool", "kitchen island"}),
    "home_office": frozenset({"desk", "chair", "swivel chair"}),
    "kids_room": frozenset({"bed", "cradle", "desk"}),
    "studio": frozenset({"bed", "sofa", "armchair"}),
    "patio": frozenset({"chair", "table", "bench", "armchair"}),
    "bathroom": frozenset({"stool", "basket", "towel", "rug"}),
}
"""What a staging of each room type must show to count as furnished."""


def class_share(
    labels: np.ndarray, id2label: dict[int, str], names: frozenset[str], region: np.ndarray
) -> float:
    """The share of a region's pixels labelled with one of names (0 for an empty region)."""
    if not region.any():
        return 0.0
    return float(np.isin(labels, class_ids(id2label, names))[region].mean())
