"""The preview generator's room type guess: a colour-and-layout rule, no model.

It is a preview, like the rest of the preview generator: it tells only an outdoor shot (sky
above, greenery below: a patio) and says nothing (None) about every other photo, so the flow
of asking for and showing a suggestion runs everywhere without weights.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SAMPLE_SIZE = (64, 48)
"""Colours are read from a thumbnail: the rule looks at regions, not details."""
BAND = 1 / 3
"""The top and bottom bands of the photo the rule reads."""
MIN_SKY, MIN_GREEN = 0.4, 0.3
"""Shares of the top band that must be sky blue, and of the bottom band that must be green."""


def _shares(photo: Image.Image) -> tuple[float, float]:
    """(sky-blue share of the top band, green share of the bottom band)."""
    pixels = np.asarray(photo.convert("RGB").resize(SAMPLE_SIZE), dtype=np.int16)
    band = round(SAMPLE_SIZE[1] * BAND)
    r, g, b = (pixels[:band, :, i] for i in range(3))
    sky = (b > r + 25) & (b >= g) & (b > 120)
    r, g, b = (pixels[-band:, :, i] for i in range(3))
    green = (g > r + 15) & (g > b + 15)
    return float(sky.mean()), float(green.mean())


def guess_from_colours(photo: Image.Image) -> str | None:
    """ "patio" for a sky-blue top and a green bottom; None otherwise."""
    sky, green = _shares(photo)
    return "patio" if sky >= MIN_SKY and green >= MIN_GREEN else None
