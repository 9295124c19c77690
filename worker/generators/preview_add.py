"""The preview generator's Add (jobs/edits.py): one shaded block in the style's palette, fitted
to the painted region's bounding box. It names nothing: a preview shows where a piece goes, not
what it looks like."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from worker.generators.preview import Rgb, shaded_box

MARGIN = 0.08
"""How far in from the region's bounding box the block stands, per side (fraction of the box)."""


def placed_piece(
    photo: Image.Image, region: np.ndarray, palette: list[Rgb], rng: np.random.Generator
) -> Image.Image:
    """The photo with a block drawn over the region's bounding box; the caller pastes only the
    region (worker/edits.py), so nothing outside it changes."""
    rows, cols = np.nonzero(region)
    top, bottom = float(rows.min()), float(rows.max() + 1)
    left, right = float(cols.min()), float(cols.max() + 1)
    dx, dy = (right - left) * MARGIN, (bottom - top) * MARGIN
    colour = palette[int(rng.integers(0, len(palette)))]
    canvas = photo.copy()
    draw = ImageDraw.Draw(canvas)
    shaded_box(
        draw, (left + dx, top + dy, right - dx, bottom - dy), colour, float(rng.uniform(0.25, 0.45))
    )
    return canvas
