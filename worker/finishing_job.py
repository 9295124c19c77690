"""Finishing jobs over worker/finishing: what a generator runs when a job's mode is enhance, sky
or twilight, and the auto-enhance of a job whose photo is enhanced first.

The generators import this module inside generate() (it brings in cv2). Each finishing pass is
classical and deterministic; the generators differ only in how they find the sky and the
windows (a guess on the preview, the segmenter on sdxl) and in how they label the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from jobs.models import JobMode
from worker.finishing.enhance import auto_enhance
from worker.finishing.masks import default_feather_px, sky_alpha, window_alpha
from worker.finishing.sky import replace_sky
from worker.finishing.sky_guess import guess_sky_alpha
from worker.finishing.twilight import dusk_grade
from worker.finishing.white_balance import cast_gains
from worker.generators.base import (
    BadInput,
    GenerationRequest,
    LibrarySky,
    ProgressCallback,
    StopCheck,
    StopRequested,
    variant_seeds,
)

if TYPE_CHECKING:
    from worker.vision.mask import Segmenter


MAX_LIGHT_CAST = 1.0
"""Wider than auto-enhance's correction: here the cast is measured, not removed."""
DAYLIGHT_SKY_WARMTH = -0.35
"""log(R/B) of the sky near the horizon when the scene's light is neutral: a daytime sky is
bluer than the light on the scene, which the sun whitens."""


@dataclass(frozen=True)
class Alphas:
    """Where a photo's sky and windows are: float alphas at the photo's size, 0 to 1."""

    sky: np.ndarray
    windows: np.ndarray | None
    """None where the generator cannot tell windows (the preview)."""


FindAlphas = Callable[[Image.Image], Alphas]


@dataclass(frozen=True)
class Finished:
    """A finishing pass's images (one per variant), their seeds and where pixels changed."""

    images: list[Image.Image]
    seeds: list[int]
    mask: np.ndarray | None
    """Boolean, photo size: the pixels that may differ (None: the whole photo may)."""


def guessed_alphas(photo: Image.Image) -> Alphas:
    """The preview's: the sky guessed from colour and smoothness, no windows."""
    return Alphas(guess_sky_alpha(photo, feather_px=default_feather_px(photo.size)), None)


def segmented_alphas(segmenter: Segmenter | None) -> FindAlphas:
    """sdxl's: the sky and windows of the segmenter's ADE20K labels (the guess without one)."""
    if segmenter is None:
        return guessed_alphas

    def find(photo: Image.Image) -> Alphas:
        labels = segmenter.labels(photo)
        feather = default_feather_px(photo.size)
        return Alphas(
            sky_alpha(labels, segmenter.id2label, feather_px=feather),
            window_alpha(labels, segmenter.id2label, feather_px=feather),
        )

    return find


def enhanced_first(request: GenerationRequest, enhance: bool) -> GenerationRequest:
    """The request with its photo auto-enhanced when the job asks for that."""
    if not enhance:
        return request
    return dataclasses.replace(request, image=auto_enhance(request.image).image)


def finish(
    request: GenerationRequest,
    find_alphas: FindAlphas,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> Finished:
    """The job's finishing pass (its mode must finish: JobMode.finishes)."""
    photo = request.image.convert("RGB")
    seeds = variant_seeds(request.seed, request.variants)

    def step(fraction: float, stage: str) -> None:
        if should_stop():
            raise StopRequested
        on_progress(fraction, stage)

    if request.mode is JobMode.ENHANCE:
        step(0.1, "Enhancing")
        return Finished([auto_enhance(photo).image] * request.variants, seeds, None)
    step(0.05, "Finding the sky")
    alphas = find_alphas(photo)
    if not alphas.sky.any():
        raise BadInput(
            "no open sky was found at the top of the photo: sky replacement and day-to-dusk "
            "need an exterior photo that shows the sky"
        )
    if request.mode is JobMode.TWILIGHT:
        step(0.4, "Grading to dusk")
        dusk = dusk_grade(photo, sky_alpha=alphas.sky, window_alpha=alphas.windows)
        return Finished([dusk] * request.variants, seeds, None)
    if request.mode is not JobMode.SKY:
        raise ValueError(f"mode {request.mode} is not a finishing mode")
    skies = best_skies(photo, alphas.sky, request.skies)[: request.variants]
    if len(skies) < request.variants:
        raise BadInput(f"{request.variants} skies were asked for; {len(skies)} could be read")
    images = []
    for number, sky in enumerate(skies, start=1):
        stage = f"Replacing the sky (variant {number}/{len(skies)})"
        step(0.1 + 0.8 * (number - 1) / len(skies), stage)
        images.append(replace_sky(photo, sky.full(), alphas.sky))
    return Finished(images, seeds, alphas.sky > 0)


def best_skies(photo: Image.Image, alpha: np.ndarray, skies: list[LibrarySky]) -> list[LibrarySky]:
    """The skies best first: those whose colour near the horizon is closest to the colour of the
    light on the scene below the sky (its cast: neutral daylight favours a blue sky, a warm
    evening cast a golden one), so the house looks lit by its new sky. Ties go to the lower id,
    so the same photo always gets the same skies."""
    rgb = np.asarray(photo.convert("RGB"))
    scene = rgb[alpha < 0.01] if (alpha < 0.01).any() else rgb.reshape(-1, 3)
    gains = cast_gains(scene, max_correction=MAX_LIGHT_CAST)
    light = float(np.log(gains[2] / gains[0]))  # the gains undo the cast: blue's over red's

    def distance(sky: LibrarySky) -> float:
        sky_rgb = np.asarray(sky.preview.convert("RGB"))
        horizon = sky_rgb[sky_rgb.shape[0] // 2 :].reshape(-1, 3).mean(axis=0) + 1.0
        return abs(float(np.log(horizon[0] / horizon[2])) - (light + DAYLIGHT_SKY_WARMTH))

    return sorted(skies, key=lambda sky: (distance(sky), sky.id))
