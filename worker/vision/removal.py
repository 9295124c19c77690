"""The removal mask of declutter and restage: movable furniture and clutter, dilated.

Built-in fixtures stay: every protected class (windows, doors, lights, kitchen units, ...) is cut
out of the mask after dilation, exactly as for the staging mask. "cabinet" and "lamp" are
protected by default (ADE20K's cabinet is mostly fitted kitchen units; lamp covers wall lights);
a style that lists its own protected classes decides for itself.
"""

from __future__ import annotations

import numpy as np

from worker.vision.ade20k import class_ids
from worker.vision.furniture import REMOVAL_CLASSES
from worker.vision.mask import dilate


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
