"""Where to generate: the mask's bounding box (with context), its generation and detail sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.settings import SdxlSettings
from worker.generators.buckets import nearest_bucket

FIRST_PASS_GROWTH = 1.1
"""A detail pass at most this much larger than the first pass (per side) would cost its steps for
a few pixels: the first pass is generated at that size instead (30 steps on 21 % more pixels
cost less than 7 more steps on all of them)."""
DETAIL_MULTIPLE = 32
"""Detail sizes are multiples of this: whole latents at every level of SDXL's UNet (the VAE
divides by 8, the UNet by 4 more), and no more pixels than the goal needs."""


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

    @property
    def resolution(self) -> float:
        """The last pass's pixels per photo pixel, along the box's worse side (1 = native)."""
        width, height = self.detail_size or self.size
        return min(width / self.box_size[0], height / self.box_size[1])


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
    min_resolution: float,
    detail_scale: float,
) -> CropPlan:
    """The mask's bounding box plus a margin, grown towards the bucket's aspect ratio, and the
    detail pass that brings it to min_resolution (see detail_size), or a first pass a little
    larger than the bucket when that reaches it (FIRST_PASS_GROWTH)."""
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
    box = (int(left), int(top), int(right), int(bottom))
    detail = detail_size(
        (box[2] - box[0], box[3] - box[1]),
        size,
        multiple=DETAIL_MULTIPLE,
        min_resolution=min_resolution,
        max_scale=detail_scale,
    )
    if detail and all(
        d <= first * FIRST_PASS_GROWTH for d, first in zip(detail, size, strict=True)
    ):
        size, detail = detail, None
    return CropPlan(box, size, detail)


def detail_size(
    box_size: tuple[int, int],
    size: tuple[int, int],
    *,
    multiple: int,
    min_resolution: float,
    max_scale: float,
) -> tuple[int, int] | None:
    """The smallest size (multiples of `multiple`) at which a box of box_size photo pixels has at
    least min_resolution pass pixels per photo pixel, each side at most max_scale times the first
    pass's size; None when the first pass already has it, or may not grow."""
    if min(size[0] / box_size[0], size[1] / box_size[1]) >= min_resolution:
        return None
    want = [
        max(first, math.ceil(min_resolution * side / multiple) * multiple)
        for first, side in zip(size, box_size, strict=True)
    ]
    if any(w > first * max_scale for w, first in zip(want, size, strict=True)):
        # A memory guard on very large photos: the goal is missed, by as little as it may be.
        want = [max(first, int(first * max_scale) // multiple * multiple) for first in size]
    detail = (want[0], want[1])
    return None if detail == size else detail


def plan_for(mask: np.ndarray, settings: SdxlSettings) -> CropPlan:
    """plan_crop with the worker's settings."""
    return plan_crop(
        mask,
        target_pixels=settings.target_pixels,
        multiple=settings.bucket_multiple,
        margin_fraction=settings.crop_margin_fraction,
        min_resolution=settings.detail_min_resolution,
        detail_scale=settings.detail_scale,
    )


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
