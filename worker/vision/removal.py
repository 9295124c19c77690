"""The removal mask of declutter and restage: movable furniture and clutter, dilated.

Built-in fixtures stay: every protected class (windows, doors, lights, kitchen units, ...) is cut
out of the mask after dilation, exactly as for the staging mask. "cabinet" and "lamp" are
protected by default (ADE20K's cabinet is mostly fitted kitchen units; lamp covers wall lights);
a style that lists its own protected classes decides for itself.
"""

from __future__ import annotations

import numpy as np

from worker.vision.ade20k import class_ids
from worker.vision.mask import dilate

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
"""Furniture and clutter a declutter removes (ADE20K names); protected classes win."""


def removal_mask(
    labels: np.ndarray,
    id2label: dict[int, str],
    *,
    protected: frozenset[str],
    dilate_px: int,
) -> np.ndarray:
    """Furniture and clutter pixels, dilated over their edges and shadows, minus protected."""
    furniture = np.isin(labels, class_ids(id2label, REMOVAL_CLASSES - protected))
    return dilate(furniture, dilate_px) & ~np.isin(labels, class_ids(id2label, protected))


def furniture_fraction(labels: np.ndarray, id2label: dict[int, str], region: np.ndarray) -> float:
    """The share of a region's pixels that are still labelled furniture or clutter."""
    if not region.any():
        return 0.0
    furniture = np.isin(labels, class_ids(id2label, REMOVAL_CLASSES))
    return float(furniture[region].mean())
