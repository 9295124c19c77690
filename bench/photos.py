"""Synthetic room photos at camera sizes, with sensor-like grain so they compress like photos."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from catalog.sample_photo import sample_room_jpeg


def camera_photo(width: int, height: int, *, grain: float = 6.0, quality: int = 92) -> bytes:
    """The sample empty room at width x height, with grain, as a JPEG from a camera would be."""
    with Image.open(io.BytesIO(sample_room_jpeg())) as sample:
        room = sample.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    rng = np.random.default_rng(width * height)
    pixels = np.asarray(room, dtype=np.float32)
    pixels += rng.normal(0.0, grain, pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
