"""A synthetic staging whose truth is known: the photo, the generation without the inpainting
model's colour cast, the cast one, and measures of what a viewer would see in the result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from skimage.color import deltaE_cie76, deltaE_ciede2000, rgb2lab

from worker.vision.mask import dilate

CAST_GAIN = np.array([1.0, 0.95, 1.05])
CAST_OFFSET = np.array([22.0, -6.0, -18.0])
SOFA = (150, 72, 60)
LAMP = (215, 195, 130)


@dataclass(frozen=True)
class Staging:
    """photo, truth (the generation as it should look) and generated (truth with a cast), uint8;
    mask: the staging mask; sofa: the furniture's pixels, well inside the mask."""

    photo: np.ndarray
    truth: np.ndarray
    generated: np.ndarray
    mask: np.ndarray
    sofa: np.ndarray

    def image(self, name: str) -> Image.Image:
        return Image.fromarray(getattr(self, name))


def staging(
    width: int = 320,
    height: int = 240,
    *,
    lamp: bool = False,
    texture: float = 0.0,
    gain: np.ndarray = CAST_GAIN,
    offset: np.ndarray = CAST_OFFSET,
) -> Staging:
    """A textured room photo with a wavy floor edge; the generation adds a sofa inside the mask
    and, with lamp, a floor lamp whose shade spills over the mask edge into the ring outside;
    texture adds that much noise (std) to the generation only."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    photo = np.stack([120 + 40 * x / width, 110 + 30 * y / height, 90 + 20 * (x + y) / 400], -1)
    photo = np.clip(photo + rng.normal(0, 6, photo.shape), 0, 255)
    edge = height * 0.5 + 6 * np.sin(x[0] / 11)
    mask = y >= edge[None, :]
    truth = photo.copy()
    sofa = _box(mask.shape, 0.72, 0.2, 0.92, 0.6)
    truth[sofa] = SOFA
    if lamp:
        truth[_box(mask.shape, 0.36, 0.7, 0.62, 0.84)] = LAMP
    if texture:
        truth = truth + rng.normal(0, texture, truth.shape)
    truth = np.clip(truth, 0, 255)
    generated = np.clip(truth * gain + offset, 0, 255)
    return Staging(
        photo.round().astype(np.uint8),
        truth.round().astype(np.uint8),
        generated.round().astype(np.uint8),
        mask,
        sofa,
    )


def _box(shape: tuple[int, ...], top: float, left: float, bottom: float, right: float):
    """A boolean box given as shares of the height and width."""
    height, width = shape
    box = np.zeros((height, width), dtype=bool)
    box[
        round(top * height) : round(bottom * height), round(left * width) : round(right * width)
    ] = 1
    return box


def lab(image: np.ndarray | Image.Image) -> np.ndarray:
    return rgb2lab(np.asarray(image, dtype=np.uint8))


def delta_e(a: np.ndarray | Image.Image, b: np.ndarray | Image.Image, where: np.ndarray) -> float:
    """Mean CIEDE2000 between two images over the given pixels."""
    return float(deltaE_ciede2000(lab(a)[where], lab(b)[where]).mean())


def delta_e76(a: np.ndarray | Image.Image, b: np.ndarray | Image.Image, where: np.ndarray) -> float:
    """Mean ΔE76 (CIELAB distance) between two images over the given pixels."""
    return float(deltaE_cie76(lab(a)[where], lab(b)[where]).mean())


def inner_band(mask: np.ndarray, start: int, width: int) -> np.ndarray:
    """Mask pixels whose distance to the mask edge is in (start, start + width]."""
    outside = ~mask
    return mask & dilate(outside, start + width) & ~dilate(outside, start)
