"""Paste a generation back onto the photo: pixels outside the mask stay exactly as they were."""

from __future__ import annotations

import numpy as np
from PIL import Image

from worker.vision.mask import feather


def photo_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A boolean working-size mask scaled to the photo (width, height), nearest neighbour."""
    image = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return np.asarray(image.resize(size, Image.Resampling.NEAREST)) > 127


def paste_back(
    photo: Image.Image, generated: Image.Image, mask: np.ndarray, *, feather_px: int
) -> Image.Image:
    """The generation resized to the photo, blended in only inside the (photo-size) mask."""
    original = np.asarray(photo.convert("RGB"))
    new = np.asarray(generated.convert("RGB").resize(photo.size, Image.Resampling.LANCZOS))
    alpha = feather(mask, feather_px)[..., None]
    blended = original + (new.astype(np.float32) - original) * alpha
    result = np.where(mask[..., None], np.clip(np.rint(blended), 0, 255), original)
    return Image.fromarray(result.astype(np.uint8), "RGB")
