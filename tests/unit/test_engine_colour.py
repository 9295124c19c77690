"""Colour match on a ring around the mask: the seam loses a synthetic colour cast."""

from __future__ import annotations

import numpy as np
from PIL import Image

from worker.engine.colour import colour_match
from worker.overlay import paste_back
from worker.vision.mask import dilate

CAST_GAIN = np.array([1.0, 0.95, 1.05])
CAST_OFFSET = np.array([22.0, -6.0, -18.0])


def scene(width: int = 240, height: int = 180) -> tuple[np.ndarray, np.ndarray]:
    """A smooth room photo with texture, and a floor mask with a wavy edge."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    photo = np.stack([120 + 40 * x / width, 110 + 30 * y / height, 90 + 20 * (x + y) / 400], -1)
    photo += rng.normal(0, 6, photo.shape)
    edge = height * 0.55 + 6 * np.sin(x[0] / 11)
    mask = y >= edge[None, :]
    return np.clip(photo, 0, 255).astype(np.uint8), mask


def seam_difference(image: np.ndarray, mask: np.ndarray, width: int = 4) -> float:
    """The distance between mean colours just inside and just outside the mask edge."""
    inner = mask & ~(~dilate(~mask, width))
    outer = dilate(mask, width) & ~mask
    return float(np.linalg.norm(image[inner].mean(0) - image[outer].mean(0)))


def test_colour_match_removes_at_least_80_percent_of_a_cast_at_the_seam() -> None:
    photo, mask = scene()
    generated = photo.astype(np.float32)
    generated[125:170, 60:180] = (70, 60, 50)  # a piece of furniture standing on the floor
    generated = np.clip(generated * CAST_GAIN + CAST_OFFSET, 0, 255).astype(np.uint8)
    original, new = Image.fromarray(photo), Image.fromarray(generated)

    before = np.asarray(paste_back(original, new, mask, feather_px=3))
    matched = colour_match(new, original, mask, ring_px=8)
    after = np.asarray(paste_back(original, matched, mask, feather_px=3))

    natural = seam_difference(photo, mask)
    cast = seam_difference(before, mask) - natural
    remaining = seam_difference(after, mask) - natural
    assert cast > 15
    assert remaining <= 0.2 * cast
    assert (after[~mask] == photo[~mask]).all()
    assert (after[125:170, 60:180] < 100).all()  # the furniture stays dark


def test_without_a_ring_the_generation_is_unchanged() -> None:
    photo, _ = scene(40, 30)
    everything = np.ones((30, 40), dtype=bool)
    image = Image.fromarray(photo)
    assert colour_match(image, image, everything, ring_px=4) is image
