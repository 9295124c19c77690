"""Soft masks for finishing: segmenter labels (sky, windows) to feathered alphas."""

from __future__ import annotations

import cv2
import numpy as np

from worker.vision.ade20k import class_ids
from worker.vision.mask import dilate, feather

SKY_CLASSES = frozenset({"sky"})
WINDOW_CLASSES = frozenset({"windowpane"})
MIN_REGION_FRACTION = 0.0005
"""Regions smaller than this fraction of the photo are dropped (stray labels, not sky)."""


def alpha_from_mask(mask: np.ndarray, *, feather_px: int, grow_px: int) -> np.ndarray:
    """A float32 alpha: the mask grown by grow_px, then faded in over feather_px inside that.

    Pixels farther than grow_px from the mask get exactly 0, so a blend leaves them untouched.
    """
    cleaned = _drop_small_regions(mask)
    return feather(dilate(cleaned, grow_px), feather_px)


def labels_alpha(
    labels: np.ndarray,
    id2label: dict[int, str],
    names: frozenset[str],
    *,
    feather_px: int,
    grow_px: int,
) -> np.ndarray:
    """The feathered alpha of the classes `names` in a segmenter's labels (its id2label)."""
    mask = np.isin(labels, class_ids(id2label, names))
    return alpha_from_mask(mask, feather_px=feather_px, grow_px=grow_px)


def sky_alpha(labels: np.ndarray, id2label: dict[int, str], *, feather_px: int) -> np.ndarray:
    """The sky of an ADE20K segmentation (Segmenter.labels and Segmenter.id2label): 1 on the
    sky, fading to 0 over feather_px outside it, so that no old sky shows at the edge."""
    return labels_alpha(labels, id2label, SKY_CLASSES, feather_px=feather_px, grow_px=feather_px)


def window_alpha(labels: np.ndarray, id2label: dict[int, str], *, feather_px: int) -> np.ndarray:
    """The windows (ADE20K "windowpane") of a segmentation, feathered inside their outline."""
    return labels_alpha(labels, id2label, WINDOW_CLASSES, feather_px=feather_px, grow_px=0)


def fit_alpha(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """An alpha at another (width, height); zero stays exactly zero away from the edge."""
    if alpha.shape[::-1] == tuple(size):
        return alpha
    return cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)


def default_feather_px(size: tuple[int, int]) -> int:
    """About 0.15 % of the long side (6 px on a 12 MP photo), at least 2 px: enough to hide a
    segmentation's blocky upscaled edge, too little to round off a roof's corner."""
    return max(2, round(0.0015 * max(size)))


def _drop_small_regions(mask: np.ndarray) -> np.ndarray:
    if not mask.any():
        return mask
    _, components, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    big = stats[:, cv2.CC_STAT_AREA] >= MIN_REGION_FRACTION * mask.size
    big[0] = False  # the background
    return big[components]
