"""Sky replacement: a chosen sky, cover-fitted, composited through a feathered sky alpha.

Only pixels where the alpha is above 0 change: every other pixel of the photo is copied as it
is. The scene is harmonised towards the new sky only inside that edge band (a light wrap), so
the promise holds; the new sky itself is not recoloured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.faults import BadInput
from worker.finishing.masks import fit_alpha


@dataclass(frozen=True)
class Harmony:
    """How far the scene's edge band is pulled towards the new sky's colour."""

    strength: float = 0.5
    """At most this fraction of the old-to-new sky colour difference, at the middle of the band."""
    max_shift: float = 16.0
    """The largest change of any channel, in levels."""


def cover_fit(sky: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """The sky scaled to cover (width, height) and centre-cropped, as an RGB array."""
    width, height = size
    scale = max(width / sky.width, height / sky.height)
    scaled = (max(width, round(sky.width * scale)), max(height, round(sky.height * scale)))
    resized = sky.convert("RGB").resize(scaled, Image.Resampling.BICUBIC)
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)))


def replace_sky(
    photo: Image.Image, sky: Image.Image, alpha: np.ndarray, harmony: Harmony | None = None
) -> Image.Image:
    """The photo with `sky` where alpha is 1, blended where it is between, untouched where 0.

    alpha may be at any size (a segmentation's); it is scaled to the photo. The sky covers the
    rows from the top of the photo to the lowest sky pixel.
    """
    harmony = harmony or Harmony()
    rgb = np.asarray(photo.convert("RGB"))
    alpha = fit_alpha(alpha.astype(np.float32), photo.size)
    rows = np.flatnonzero(alpha.max(axis=1) > 0)
    if not len(rows):
        raise BadInput("no sky was found in the photo")
    bottom = int(rows[-1]) + 1
    canvas = cover_fit(sky, (photo.width, bottom)).astype(np.float32)
    band_alpha = alpha[:bottom, :, None]
    old = rgb[:bottom].astype(np.float32)
    core = band_alpha[..., 0] >= 1.0
    shift = np.zeros(3, dtype=np.float32)
    if core.any():
        difference = canvas[core].mean(axis=0) - old[core].mean(axis=0)
        shift = np.clip(harmony.strength * difference, -harmony.max_shift, harmony.max_shift)
    # 4a(1-a) is 0 at both ends of the band and 1 in its middle: no step at either edge.
    wrapped = old + shift * (4.0 * band_alpha * (1.0 - band_alpha))
    blended = np.rint(band_alpha * canvas + (1.0 - band_alpha) * wrapped)
    result = rgb.copy()
    result[:bottom] = np.where(band_alpha > 0, np.clip(blended, 0, 255), old).astype(np.uint8)
    return Image.fromarray(result, "RGB")
