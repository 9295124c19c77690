"""The stages before and after denoising: segmentation, control images, paste-back, timing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

import numpy as np
from PIL import Image

from core.settings import SdxlSettings
from worker.generators.base import BadInput
from worker.generators.buckets import nearest_bucket
from worker.overlay import paste_back, photo_mask
from worker.vision.mask import Segmenter, geometric_mask, staging_mask


class Annotator(Protocol):
    """A control-image model: photo in, control image of the same size out."""

    def __call__(self, image: Image.Image) -> Image.Image: ...


CURRENT_STAGE: ContextVar[str | None] = ContextVar("current_stage", default=None)
"""The stage a StageClock is timing now (None outside one): bench/flops.py files model calls
by it."""


class StageClock:
    """Seconds per stage name; on CUDA it synchronises at stage edges so the figures are true."""

    def __init__(self, device: str) -> None:
        self.seconds: dict[str, float] = {}
        self._sync: Callable[[], None] = lambda: None
        if device.startswith("cuda"):
            import torch

            self._sync = torch.cuda.synchronize

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self._sync()
        token = CURRENT_STAGE.set(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self._sync()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            CURRENT_STAGE.reset(token)


def segment(
    photo: Image.Image,
    segmenter: Segmenter | None,
    settings: SdxlSettings,
    *,
    floor: frozenset[str],
    protected: frozenset[str],
) -> np.ndarray:
    """The photo-size staging mask, segmented at about target_pixels (geometric without a model)."""
    if segmenter is None:
        return geometric_mask(*photo.size, floor_fraction=settings.fallback_floor_fraction)
    size = nearest_bucket(
        *photo.size, target_pixels=settings.target_pixels, multiple=settings.bucket_multiple
    )
    work = photo.resize(size, Image.Resampling.BILINEAR)
    mask = staging_mask(
        segmenter.labels(work),
        segmenter.id2label,
        floor=floor,
        protected=protected,
        wall_band_fraction=settings.wall_band_fraction,
        dilate_px=round(settings.mask_dilate_fraction * min(size)),
    )
    if not mask.any():
        raise BadInput("no floor to stage was found in the photo")
    return photo_mask(mask, photo.size)


def control_images(
    image: Image.Image, annotators: list[tuple[Annotator | None, float]]
) -> list[Image.Image | None]:
    """One control image per (annotator, scale); None where the scale is 0 (that net is skipped)."""
    return [
        annotator(image) if scale > 0 and annotator is not None else None
        for annotator, scale in annotators
    ]


def blank_inside(control: Image.Image | None, mask: np.ndarray) -> Image.Image | None:
    """A control image with nothing inside the mask: no trace there for a ControlNet to follow."""
    if control is None:
        return None
    pixels = np.asarray(control.convert("RGB")).copy()
    pixels[mask] = 0
    return Image.fromarray(pixels, "RGB")


def paste_crop(
    photo: Image.Image,
    generated: Image.Image,
    mask: np.ndarray,
    box: tuple[int, int, int, int],
    *,
    feather_px: int,
) -> Image.Image:
    """The generation of the box blended into the photo inside the (photo-size) mask only."""
    left, top, right, bottom = box
    region = paste_back(
        photo.crop(box), generated, mask[top:bottom, left:right], feather_px=feather_px
    )
    result = photo.copy()
    result.paste(region, (left, top))
    return result
