"""A sky mask without a model, for the preview generator: the bright, smooth, sky-coloured
region that reaches the top of the photo. A guess for synthetic and simple photos, no more."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from worker.finishing.masks import alpha_from_mask
from worker.finishing.white_balance import LUMA

WORK_LONG_SIDE = 512
MIN_LIGHTNESS = 0.45
"""Sky is brighter than this (0-1 luma) in a daytime photo."""
MAX_GRADIENT = 0.06
"""Sky is smooth: its local gradient (0-1 per pixel at the work size) stays under this."""
MAX_WARMTH = 0.06
"""Sky is not warm: red may exceed blue by at most this (0-1) (walls, roofs and soil are warm)."""


def guess_sky_mask(photo: Image.Image) -> np.ndarray:
    """A boolean mask at the photo's size (all False when nothing sky-like touches the top)."""
    work = photo.convert("RGB")
    scale = min(1.0, WORK_LONG_SIDE / max(work.size))
    small_size = (max(1, round(work.width * scale)), max(1, round(work.height * scale)))
    small = np.asarray(work.resize(small_size, Image.Resampling.BILINEAR), dtype=np.float32)
    rgb = cv2.GaussianBlur(small / 255, (5, 5), 1.0)
    luma = rgb @ LUMA
    gradient = np.hypot(cv2.Sobel(luma, cv2.CV_32F, 1, 0), cv2.Sobel(luma, cv2.CV_32F, 0, 1)) / 8
    candidate = (
        (luma > MIN_LIGHTNESS)
        & (gradient < MAX_GRADIENT)
        & (rgb[..., 0] - rgb[..., 2] < MAX_WARMTH)
    )
    count, components = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=4)
    touching = np.unique(components[0][candidate[0]])
    sky = np.isin(components, touching[touching > 0]) if count > 1 else candidate & False
    closed = cv2.morphologyEx(sky.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    return cv2.resize(closed, photo.size, interpolation=cv2.INTER_NEAREST).astype(bool)


def guess_sky_alpha(photo: Image.Image, *, feather_px: int) -> np.ndarray:
    """guess_sky_mask as a feathered alpha, like masks.sky_alpha."""
    return alpha_from_mask(guess_sky_mask(photo), feather_px=feather_px, grow_px=feather_px)
