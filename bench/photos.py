"""Synthetic room photos at camera sizes, with sensor-like grain so they compress like photos."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from catalog.sample_photo import sample_room_jpeg


def camera_photo(
    width: int, height: int, *, grain: float = 6.0, texture: float = 0.0, quality: int = 92
) -> bytes:
    """The sample empty room at width x height as a camera JPEG: per-pixel `grain`, and
    `texture` (detail at a quarter of the size) that, like a real photo's, survives scaling."""
    with Image.open(io.BytesIO(sample_room_jpeg())) as sample:
        room = sample.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    rng = np.random.default_rng(width * height)
    pixels = np.asarray(room, dtype=np.float32)
    if texture:
        coarse = rng.normal(128.0, texture, (height // 4, width // 4, 3))
        detail = Image.fromarray(np.clip(coarse, 0, 255).astype(np.uint8), "RGB")
        detail = detail.resize((width, height), Image.Resampling.BILINEAR)
        pixels += np.asarray(detail, dtype=np.float32) - 128.0
    pixels += rng.normal(0.0, grain, pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
