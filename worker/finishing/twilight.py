"""Day to dusk, the classical way: darker and bluer light, a dusk sky, warm light in the windows.

The preview generator's grade (no model), and the starting image of the sdxl dusk pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from worker.finishing.linear import hex_to_linear, to_linear, to_srgb


@dataclass(frozen=True)
class DuskLook:
    """The grade's colours and strengths."""

    exposure: float = 0.3
    """Daylight scaled to this fraction (about -1.7 EV)."""
    ambient: tuple[float, float, float] = (0.78, 0.9, 1.18)
    """The blue-hour tint of what daylight lit (per channel, linear)."""
    sky_top: str = "#1c2752"
    sky_middle: str = "#5b4d86"
    sky_horizon: str = "#f0a070"
    cloud_texture: float = 0.35
    """How much of the old sky's brightness pattern (clouds) shows through the new gradient."""
    window_light: str = "#ffc57a"
    window_strength: float = 0.9
    glow_strength: float = 0.25
    glow_fraction: float = 0.02
    """The glow around windows spreads over this fraction of the long side."""


def dusk_grade(
    photo: Image.Image,
    *,
    sky_alpha: np.ndarray | None = None,
    window_alpha: np.ndarray | None = None,
    look: DuskLook | None = None,
) -> Image.Image:
    """The photo at dusk; alphas (photo size, 0-1) say where the sky and the windows are."""
    look = look or DuskLook()
    rgb = np.asarray(photo.convert("RGB"))
    light = to_linear(rgb) * (look.exposure * np.array(look.ambient, dtype=np.float32))
    if sky_alpha is not None and sky_alpha.any():
        light = _dusk_sky(light, to_linear(rgb), sky_alpha.astype(np.float32), look)
    if window_alpha is not None and window_alpha.any():
        light = _lit_windows(light, window_alpha.astype(np.float32), look)
    return Image.fromarray(to_srgb(light), "RGB")


def _dusk_sky(
    light: np.ndarray, daylight: np.ndarray, alpha: np.ndarray, look: DuskLook
) -> np.ndarray:
    rows = np.flatnonzero(alpha.max(axis=1) > 0)
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    t = np.clip((np.arange(light.shape[0], dtype=np.float32) - top) / max(1, bottom - top), 0, 1)
    stops = [hex_to_linear(c) for c in (look.sky_top, look.sky_middle, look.sky_horizon)]
    lower = t[:, None] < 0.5
    u = np.where(lower, t[:, None] * 2, t[:, None] * 2 - 1)
    gradient = np.where(
        lower, stops[0] + (stops[1] - stops[0]) * u, stops[1] + (stops[2] - stops[1]) * u
    )
    sky = alpha > 0.5
    brightness = daylight.mean(axis=2)
    pattern = brightness / max(float(brightness[sky].mean()) if sky.any() else 1.0, 1e-6)
    texture = np.clip(1.0 + look.cloud_texture * (pattern - 1.0), 0.5, 1.5)[..., None]
    a = alpha[..., None]
    return light * (1 - a) + gradient[:, None, :] * texture * a


def _lit_windows(light: np.ndarray, alpha: np.ndarray, look: DuskLook) -> np.ndarray:
    warm = hex_to_linear(look.window_light)
    a = (alpha * look.window_strength)[..., None]
    lit = light * (1 - a) + warm * a
    sigma = look.glow_fraction * max(alpha.shape)
    glow = cv2.GaussianBlur(alpha, (0, 0), sigmaX=sigma)[..., None]
    return lit + warm * glow * look.glow_strength
