"""Exposure, contrast and white balance as one per-channel curve, planned on a small sample."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from worker.finishing.white_balance import LUMA, cast_gains

SAMPLE_PIXELS = 150_000
"""The statistics are read on a strided sample of about this many pixels (not a blur, so the
clipping estimate sees the same extremes as the full photo)."""
IDENTITY_TOLERANCE = 1
"""A curve within this many levels of the identity everywhere is not applied."""
BISECTION_ROUNDS = 16


@dataclass(frozen=True)
class ToneLimits:
    """How far exposure, contrast and white balance may move a photo."""

    target_band: tuple[float, float] = (0.42, 0.72)
    """Mean luma (0-1) the photo should land in; one already inside is left as it is. Listing
    photos are bright, so only a very bright one is darkened."""
    band_margin: float = 0.04
    """A photo outside the band is brought this far inside its nearer edge."""
    white_clip: float = 0.001
    """At most this fraction of pixels is pushed to white by the stretch."""
    black_clip: float = 0.0005
    """At most this fraction of pixels is pushed to black."""
    max_stretch: float = 2.5
    """The white point moves down to no less than 255 / max_stretch."""
    max_black: float = 24.0
    """The black point moves up to no more than this level (so shadows are not crushed)."""
    gamma_range: tuple[float, float] = (0.45, 1.6)
    max_cast: float = 0.35
    """The largest colour cast removed, as log(R/G), log(B/G) (about 40 % of a channel)."""


@dataclass(frozen=True)
class Tone:
    """One curve per channel: gain (white balance), then levels, then gamma."""

    gains: tuple[float, float, float]
    black: float
    white: float
    gamma: float

    def lut(self) -> np.ndarray:
        """The 256-entry table per channel, shaped for cv2.LUT on an RGB image."""
        levels = np.arange(256, dtype=np.float64)[:, None] * np.array(self.gains)[None, :]
        scaled = np.clip((levels - self.black) / (self.white - self.black), 0.0, 1.0)
        table = np.rint(255.0 * scaled**self.gamma)
        # Only levels at or beyond the black and white points may clip: rounding must not.
        table = np.where(scaled > 0, np.maximum(table, 1), table)
        table = np.where(scaled < 1, np.minimum(table, 254), table).astype(np.uint8)
        return table.reshape(256, 1, 3)

    def is_identity(self) -> bool:
        identity = np.arange(256)[:, None, None]
        return bool(np.abs(self.lut().astype(int) - identity).max() <= IDENTITY_TOLERANCE)


def sample(rgb: np.ndarray) -> np.ndarray:
    """Every k-th pixel in both directions, about SAMPLE_PIXELS in all."""
    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / SAMPLE_PIXELS)))
    return rgb[::step, ::step]


def plan_tone(rgb: np.ndarray, limits: ToneLimits) -> Tone:
    """The curve that removes the cast, stretches the levels and brings mean luma into band."""
    small = sample(rgb).reshape(-1, 3).astype(np.float32)
    gains = cast_gains(small, max_correction=limits.max_cast)
    balanced = small * gains
    white = float(np.quantile(balanced.max(axis=1), 1.0 - limits.white_clip))
    white = max(white, 255.0 / limits.max_stretch)
    black = float(np.quantile(balanced.min(axis=1), limits.black_clip))
    black = min(max(black, 0.0), limits.max_black, white / 2)
    levelled = np.clip((balanced - black) / (white - black), 0.0, 1.0)
    gamma = _gamma_into_band(levelled, limits)
    return Tone(tuple(float(g) for g in gains), black, white, gamma)  # type: ignore[arg-type]


def mean_luma(levelled: np.ndarray, gamma: float = 1.0) -> float:
    """Mean Rec. 601 luma (0-1) of 0-1 pixels after a gamma."""
    return float((levelled**gamma @ LUMA).mean())


def _gamma_into_band(levelled: np.ndarray, limits: ToneLimits) -> float:
    low, high = limits.target_band
    mean = mean_luma(levelled)
    if low <= mean <= high:
        return 1.0
    target = low + limits.band_margin if mean < low else high - limits.band_margin
    # Mean luma falls as gamma rises: bisect in log-gamma within the allowed range.
    lo, hi = (np.log(g) for g in limits.gamma_range)
    for _ in range(BISECTION_ROUNDS):
        mid = (lo + hi) / 2
        if mean_luma(levelled, float(np.exp(mid))) > target:
            lo = mid
        else:
            hi = mid
    return float(np.exp((lo + hi) / 2))


def apply_tone(rgb: np.ndarray, tone: Tone) -> np.ndarray:
    """The photo through the tone's table (one lookup per pixel and channel)."""
    return cv2.LUT(np.ascontiguousarray(rgb), tone.lut())
