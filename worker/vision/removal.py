"""The removal mask of declutter and restage: freestanding furniture and clutter, dilated.

What belongs to the property stays. Every protected class (windows, doors, lights, kitchen units,
and by default the built-ins of ade20k.BUILT_IN_CLASSES: wardrobes, shelves, washers, microwaves,
fans) is cut out of the mask after dilation, exactly as for the staging mask; a style that lists
its own protected classes decides for itself. ADE20K has one class for rugs and carpet: a rug
region is taken as an area rug (removed) only when it lies on hard floor; one that meets walls,
doors or the photo's edge instead is wall-to-wall carpet, and stays. The dilation around removed
furniture still reaches into the carpet: its contact shadows are repainted as carpet.
"""

from __future__ import annotations

import cv2
import numpy as np

from worker.vision.ade20k import FLOOR_CLASSES, class_ids
from worker.vision.furniture import REMOVAL_CLASSES
from worker.vision.mask import dilate

RUG_CLASSES: frozenset[str] = frozenset({"rug"})
"""ADE20K's "rug; carpet; carpeting"."""
RUG_BORDER_FRACTION = 0.02
"""Width of the border read around a rug region, as a share of the image's short side."""
AREA_RUG_FLOOR_SHARE = 0.5
"""A rug region is an area rug when at least this share of its border (furniture on it aside)
is hard floor."""


def removal_mask(
    labels: np.ndarray,
    id2label: dict[int, str],
    *,
    protected: frozenset[str],
    dilate_px: int,
) -> np.ndarray:
    """Furniture and clutter pixels (carpet aside), dilated over their edges and shadows, minus
    protected classes."""
    removable = REMOVAL_CLASSES - protected
    furniture = np.isin(labels, class_ids(id2label, removable))
    if removable & RUG_CLASSES:
        furniture &= ~carpet(labels, id2label)
    return dilate(furniture, dilate_px) & ~np.isin(labels, class_ids(id2label, protected))


def carpet(labels: np.ndarray, id2label: dict[int, str]) -> np.ndarray:
    """The rug pixels that are wall-to-wall carpet: regions whose border is not mostly hard
    floor (walls, doors, the photo's edge), furniture standing on them left out of the count."""
    rug = np.isin(labels, class_ids(id2label, RUG_CLASSES))
    if not rug.any():
        return rug
    pad = max(1, round(RUG_BORDER_FRACTION * min(labels.shape)))
    # Padded with -1, a label no class has: beyond the photo's edge is not floor.
    around = np.pad(labels, pad, constant_values=-1)
    hard_floor = np.isin(around, class_ids(id2label, FLOOR_CLASSES - RUG_CLASSES))
    standing = np.isin(around, class_ids(id2label, REMOVAL_CLASSES - RUG_CLASSES))
    count, regions, stats, _ = cv2.connectedComponentsWithStats(
        rug.astype(np.uint8), connectivity=8
    )
    regions = np.pad(regions, pad)
    found = np.zeros_like(regions, dtype=bool)
    for index in range(1, count):
        left, top, width, height = stats[index, :4]
        box = (slice(top, top + height + 2 * pad), slice(left, left + width + 2 * pad))
        region = regions[box] == index
        border = dilate(region, pad) & ~region
        read = border & ~standing[box]
        if (border & hard_floor[box]).sum() < AREA_RUG_FLOOR_SHARE * max(1, read.sum()):
            found[box] |= region
    return found[pad:-pad, pad:-pad]
