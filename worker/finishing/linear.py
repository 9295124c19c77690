"""sRGB to linear light and back through lookup tables (fast enough for 12 MP photos)."""

from __future__ import annotations

import numpy as np

ENCODE_STEPS = 4096
"""Linear values are quantised to this many steps on the way back (finer than 8-bit sRGB)."""


def _decode(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _encode(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1 / 2.4) - 0.055)


_TO_LINEAR = _decode(np.arange(256) / 255.0).astype(np.float32)
_TO_SRGB = np.clip(np.rint(255.0 * _encode(np.linspace(0.0, 1.0, ENCODE_STEPS))), 0, 255).astype(
    np.uint8
)


def to_linear(rgb: np.ndarray) -> np.ndarray:
    """8-bit sRGB to float32 linear light, 0-1."""
    return _TO_LINEAR[rgb]


def to_srgb(linear: np.ndarray) -> np.ndarray:
    """Float linear light (clipped to 0-1) to 8-bit sRGB."""
    index = np.clip(linear * (ENCODE_STEPS - 1) + 0.5, 0, ENCODE_STEPS - 1).astype(np.int32)
    return _TO_SRGB[index]


def hex_to_linear(colour: str) -> np.ndarray:
    """A #rrggbb colour as linear light."""
    return to_linear(np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8))
