"""The preview generator's furniture removal: a geometric guess filled with flat colours.

Like the preview's staging mask, the removal mask is no segmentation: it is the floor trapezoid
plus the band of back wall just above it, where free-standing furniture shows in an eye-level
shot. Floor pixels get the floor's colour, read from the bottom rows (rarely covered), and wall
pixels the wall's colour, read from the rows just above the band. It lets declutter and restage
run on the embedded default; it is no stand-in for the sdxl path's inpainting.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from worker.generators.preview import HORIZON, INSET, staging_mask

REMOVE_TOP = 0.52
"""Top of the wall band that is erased too, as a fraction of the height."""
SAMPLE_ROWS = 0.04
"""How many rows (fraction of the height) each fill colour is read from."""


def removal_mask(size: tuple[int, int]) -> Image.Image:
    """White where furniture is erased: the staging mask plus the wall band above the floor."""
    width, height = size
    mask = staging_mask(size)
    band = (INSET * width, REMOVE_TOP * height, (1 - INSET) * width, HORIZON * height)
    ImageDraw.Draw(mask).rectangle(band, fill=255)
    return mask


def _median(pixels: np.ndarray) -> np.ndarray:
    return np.median(pixels.reshape(-1, 3), axis=0).astype(np.uint8)


def erase(image: Image.Image, mask: Image.Image) -> Image.Image:
    """The photo with the mask filled flat: floor colour below the horizon, wall colour above."""
    photo = np.asarray(image.convert("RGB"))
    height, width = photo.shape[:2]
    rows = max(1, round(SAMPLE_ROWS * height))
    left, right = round(INSET * width), round((1 - INSET) * width)
    top = round(REMOVE_TOP * height)
    floor = _median(photo[height - rows :, :])
    wall = _median(photo[max(0, top - rows) : top, left:right])
    fill = np.empty_like(photo)
    horizon = round(HORIZON * height)
    fill[:horizon], fill[horizon:] = wall, floor
    inside = np.asarray(mask) > 127
    return Image.fromarray(np.where(inside[..., None], fill, photo), "RGB")
