"""Skies drawn with numpy (a gradient and fractal clouds), seeded into the sky library so that
a fresh install has some to offer; their licence is "generated"."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

SEED_SIZE = (2400, 1600)
"""Big enough to cover-fit the sky of a 12 MP photo without much upscaling."""


@dataclass(frozen=True)
class SkyLook:
    """One generated sky: its name and colours."""

    name: str
    zenith: tuple[int, int, int]
    horizon: tuple[int, int, int]
    coverage: float
    """Roughly the fraction of the sky under cloud."""
    cloud: tuple[int, int, int]


LOOKS: dict[int, SkyLook] = {
    1: SkyLook("Clear blue", (52, 110, 200), (178, 208, 236), 0.08, (250, 250, 252)),
    2: SkyLook("Fair-weather clouds", (64, 124, 206), (190, 214, 238), 0.35, (248, 248, 250)),
    3: SkyLook("Golden hour", (74, 112, 178), (244, 196, 140), 0.2, (255, 226, 196)),
}
"""The generated skies by seed."""


def _fractal_noise(size: tuple[int, int], rng: np.random.Generator, octaves: int = 6) -> np.ndarray:
    """Value noise in [0, 1]: random grids from coarse to fine, each smoothly upscaled."""
    width, height = size
    total = np.zeros((height, width), dtype=np.float32)
    weight_sum = 0.0
    for octave in range(octaves):
        cells = 6 * 2**octave
        grid = rng.random((max(2, cells * height // width), cells)).astype(np.float32)
        layer = Image.fromarray(grid, "F").resize(size, Image.Resampling.BICUBIC)
        weight = 0.5**octave
        total += weight * np.asarray(layer)
        weight_sum += weight
    total /= weight_sum
    return (total - total.min()) / max(float(total.max() - total.min()), 1e-6)


def generated_sky(seed: int, size: tuple[int, int] = SEED_SIZE) -> Image.Image:
    """The sky LOOKS[seed] at size (width, height); the same seed always draws the same sky."""
    look = LOOKS[seed]
    height = size[1]
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None] ** 1.5
    sky = np.array(look.zenith, np.float32) * (1 - t) + np.array(look.horizon, np.float32) * t
    noise = _fractal_noise(size, rng)
    threshold = float(np.quantile(noise, 1.0 - look.coverage))
    density = np.clip((noise - threshold) / 0.12, 0.0, 1.0)[..., None]
    shade = 0.82 + 0.18 * _fractal_noise(size, rng)[..., None]  # darker cloud bellies
    pixels = sky * (1 - density) + np.array(look.cloud, np.float32) * shade * density
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), "RGB")


def generated_sky_jpeg(seed: int, size: tuple[int, int] = SEED_SIZE) -> bytes:
    buffer = io.BytesIO()
    generated_sky(seed, size).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
