"""The part of a photo an edit may change (jobs/edits.py), and the paste that changes only it.

The agent's brush rarely follows a piece's outline exactly, so the painted region is grown by
GROW_FRACTION of the photo's short side; the new pixels fade in over FEATHER_FRACTION inside
that grown region, and every pixel outside it is the photo's, bit for bit.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from worker.overlay import paste_back

GROW_FRACTION = 0.01
FEATHER_FRACTION = 0.008


def edit_region(mask: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """The painted mask at the photo's size (width, height), grown: a boolean array."""
    painted = np.asarray(mask.convert("L").resize(size, Image.Resampling.NEAREST)) > 127
    radius = max(1, round(GROW_FRACTION * min(size)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    grown: np.ndarray = cv2.dilate(painted.astype(np.uint8), kernel) > 0
    return grown


def paste_edit(photo: Image.Image, generated: Image.Image, region: np.ndarray) -> Image.Image:
    """`generated` inside the region, feathered at its edge; the photo everywhere else."""
    feather_px = max(1, round(FEATHER_FRACTION * min(photo.size)))
    return paste_back(photo, generated, region, feather_px=feather_px)
