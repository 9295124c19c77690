"""Colour match: the generation's colours mapped to the photo's on a ring just outside the mask."""

from __future__ import annotations

import numpy as np
from PIL import Image

from worker.vision.mask import dilate

MIN_RING_PIXELS = 16
GAIN_LIMITS = (0.5, 2.0)


def colour_match(
    generated: Image.Image, reference: Image.Image, mask: np.ndarray, *, ring_px: int
) -> Image.Image:
    """generated with a per-channel gain and offset so that its mean and spread on the ring
    (ring_px wide, outside the mask) match the reference's; the inpainting model's colour shift
    shows there, where both images show the same room."""
    ring = dilate(mask, ring_px) & ~mask
    if ring.sum() < MIN_RING_PIXELS:
        return generated
    new = np.asarray(generated.convert("RGB"), dtype=np.float32)
    old = np.asarray(reference.convert("RGB").resize(generated.size), dtype=np.float32)
    new_mean, new_std = new[ring].mean(axis=0), new[ring].std(axis=0)
    old_mean, old_std = old[ring].mean(axis=0), old[ring].std(axis=0)
    gain = np.clip(old_std / np.maximum(new_std, 1.0), *GAIN_LIMITS)
    matched = (new - new_mean) * gain + old_mean
    return Image.fromarray(np.clip(np.rint(matched), 0, 255).astype(np.uint8), "RGB")
