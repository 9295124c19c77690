"""Where to generate: the mask's bounding box (with context), its generation and detail sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from worker.generators.buckets import nearest_bucket

DETAIL_MIN_SCALE = 1.25
"""Below this upscale a detail pass adds little; it is skipped."""


@dataclass(frozen=True)
class CropPlan:
    """The box (left, top, right, bottom) in photo pixels, and the sizes it is generated at."""

    box: tuple[int, int, int, int]
    size: tuple[int, int]
    detail_size: tuple[int, int] | None

    @property
    def box_size(self) -> tuple[int, int]:
        """(width, height) of the box in photo pixels."""
        return self.box[2] - self.box[0], self.box[3] - self.box[1]


def _span(start: int, end: int, length: int, limit: int) -> tuple[int, int]:
    """[start, end) grown about its centre to length, shifted to stay inside [0, limit)."""
    length = min(limit, max(length, end - start))
    start = max(0, min(limit - length, (start + end - length) // 2))
    return start, start + length


def plan_crop(
    mask: np.ndarray,
    *,
    target_pixels: int,
    multiple: int,
    margin_fraction: float,
    detail_scale: float,
) -> CropPlan:
    """The mask's bounding box plus a margin, grown towards the bucket's aspect ratio."""
    height, width = mask.shape
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        raise ValueError("empty mask")
    pad = round(margin_fraction * max(width, height))
    left, right = max(0, cols[0] - pad), min(width, cols[-1] + 1 + pad)
    top, bottom = max(0, rows[0] - pad), min(height, rows[-1] + 1 + pad)
    size = nearest_bucket(
        right - left, bottom - top, target_pixels=target_pixels, multiple=multiple
    )
    aspect = size[0] / size[1]
    if (right - left) / (bottom - top) < aspect:
        left, right = _span(left, right, round((bottom - top) * aspect), width)
    else:
        top, bottom = _span(top, bottom, round((right - left) / aspect), height)
    scale = min(detail_scale, math.sqrt((right - left) * (bottom - top) / (size[0] * size[1])))
    detail = None
    if scale >= DETAIL_MIN_SCALE:
        detail = (
            int(size[0] * scale) // multiple * multiple,
            int(size[1] * scale) // multiple * multiple,
        )
    return CropPlan((int(left), int(top), int(right), int(bottom)), size, detail)


def crop_resized(
    image: Image.Image, box: tuple[int, int, int, int], size: tuple[int, int]
) -> Image.Image:
    """The box of the image, resized to size (LANCZOS)."""
    return image.crop(box).resize(size, Image.Resampling.LANCZOS)


def crop_mask(
    mask: np.ndarray, box: tuple[int, int, int, int], size: tuple[int, int]
) -> np.ndarray:
    """The box of a boolean mask, resized to size (nearest neighbour)."""
    left, top, right, bottom = box
    part = Image.fromarray(mask[top:bottom, left:right].astype(np.uint8) * 255, "L")
    return np.asarray(part.resize(size, Image.Resampling.NEAREST)) > 127
