"""The scores one variant gets, by the job's mode and the models the worker has loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from catalog.prompts import compose_prompt
from worker.generators.base import GenerationRequest, GenerationResult
from worker.quality.scorers import furniture_score, leftover_score, seam_score

if TYPE_CHECKING:
    from worker.vision.mask import Segmenter

SCORE_SIDE = 768
"""Scores are computed on copies at most this long: segmenting a 12 MP result is waste."""


def _small(image: Image.Image, size: tuple[int, int], nearest: bool = False) -> Image.Image:
    if image.size == size:
        return image
    method = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    return image.resize(size, method)


class VariantScorer:
    """Seam always; furniture (stage, restage) or leftover (declutter) with a segmenter;
    style (stage, restage) with a CLIP model."""

    def __init__(
        self,
        segmenter: Segmenter | None = None,
        clip: Callable[[Image.Image, str], float] | None = None,
    ) -> None:
        self.segmenter = segmenter
        self.clip = clip

    def __call__(
        self, request: GenerationRequest, result: GenerationResult, index: int
    ) -> dict[str, float]:
        photo = request.image.convert("RGB")
        scale = min(1.0, SCORE_SIDE / max(photo.size))
        size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
        photo = _small(photo, size)
        image = _small((result.clean_images or result.images)[index].convert("RGB"), size)
        values: dict[str, float] = {}
        if result.mask is not None:
            mask = np.asarray(_small(result.mask.convert("L"), size, nearest=True)) > 127
            values["seam"] = seam_score(photo, image, mask)
        labels = self.segmenter.labels(image) if self.segmenter is not None else None
        if request.mode.stages:
            if self.segmenter is not None and labels is not None and result.mask is not None:
                values["furniture"] = furniture_score(
                    labels, self.segmenter.id2label, request.room_type, mask
                )
            if self.clip is not None:
                prompt = compose_prompt(str(request.style.get("prompt") or ""), request.room_type)
                values["style"] = self.clip(image, prompt)
        elif self.segmenter is not None and labels is not None and result.removal_mask is not None:
            removed = np.asarray(_small(result.removal_mask.convert("L"), size, nearest=True)) > 127
            values["leftover"] = leftover_score(labels, self.segmenter.id2label, removed)
        return values
