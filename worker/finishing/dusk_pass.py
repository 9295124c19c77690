"""The sdxl dusk pass, planned: what the ControlNet inpainting pipeline is given to turn a
daytime exterior into dusk while the control images (depth, lines) hold its structure.

An inpainting pass whose mask covers every pixel, at moderate strength, is img2img: the photo
is partly noised and denoised again, so the light changes and the house stays. It starts from
the classical dusk grade, so the model refines a dusk it is shown rather than inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from worker.finishing.twilight import dusk_grade

DUSK_PROMPT = (
    "twilight real estate photo of the same house, blue hour, deep blue sky with a warm glow "
    "on the horizon, warm interior lights glowing in every window, exterior lights on"
)
DUSK_NEGATIVE_PROMPT = "daylight, midday sun, harsh shadows, people, text, watermark"
DUSK_STRENGTH = 0.5
"""Enough noise to relight the scene, little enough that windows and edges stay put."""


@dataclass(frozen=True)
class DuskPass:
    """One pipeline call's inputs; the caller builds the control images from control_source."""

    init_image: Image.Image
    """Where denoising starts: the classical dusk grade of the photo."""
    mask: np.ndarray
    """Boolean, photo size: True where pixels are regenerated (all of them)."""
    prompt: str
    negative_prompt: str
    strength: float
    control_source: Image.Image
    """The daytime photo, whose depth and lines hold the structure."""


def plan_dusk_pass(
    photo: Image.Image,
    *,
    sky_alpha: np.ndarray | None = None,
    window_alpha: np.ndarray | None = None,
    strength: float = DUSK_STRENGTH,
    prompt: str = DUSK_PROMPT,
    negative_prompt: str = DUSK_NEGATIVE_PROMPT,
) -> DuskPass:
    """The dusk pass for a photo; the alphas are the segmenter's sky and windows."""
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"dusk strength must be in (0, 1], not {strength}")
    photo = photo.convert("RGB")
    graded = dusk_grade(photo, sky_alpha=sky_alpha, window_alpha=window_alpha)
    mask = np.ones((photo.height, photo.width), dtype=bool)
    return DuskPass(graded, mask, prompt, negative_prompt, strength, photo)
