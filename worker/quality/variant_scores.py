"""The scores one variant gets, by the job's mode and the models the worker has loaded."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from catalog.prompts import compose_prompt
from catalog.seed import load_seed_styles
from worker.engine.crop import _span
from worker.generators.base import GenerationRequest, GenerationResult
from worker.quality.scorers import furniture_score, leftover_score, seam_score

if TYPE_CHECKING:
    from worker.vision.mask import Segmenter

SCORE_SIDE = 768
"""Scores are computed on copies at most this long: segmenting a 12 MP result is waste."""
Similarities = Callable[[Image.Image, list[str]], list[float]]
"""CLIP: cosine similarity of an image with each of several texts."""


def _small(image: Image.Image, size: tuple[int, int], nearest: bool = False) -> Image.Image:
    if image.size == size:
        return image
    method = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    return image.resize(size, method)


@cache
def _seed_styles() -> tuple[tuple[str, str], ...]:
    return tuple((str(s["slug"]), str(s["prompt"])) for s in load_seed_styles())


def other_style_prompts(style: dict[str, Any], room_type: str) -> list[str]:
    """The seeded styles' prompts for the room type, but the job's own style: the others it must
    look more like itself than."""
    own = compose_prompt(str(style.get("prompt") or ""), room_type)
    prompts = [
        compose_prompt(prompt, room_type)
        for slug, prompt in _seed_styles()
        if slug != style.get("slug")
    ]
    return [prompt for prompt in prompts if prompt != own]


def staged_region(image: Image.Image, mask: np.ndarray) -> Image.Image:
    """The mask's bounding box, grown towards a square inside the image (CLIP sees a centred
    square): what the staging changed, with the room around it only where the box is thin."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return image
    side = max(cols[-1] + 1 - cols[0], rows[-1] + 1 - rows[0])
    left, right = _span(int(cols[0]), int(cols[-1]) + 1, side, image.width)
    top, bottom = _span(int(rows[0]), int(rows[-1]) + 1, side, image.height)
    return image.crop((left, top, right, bottom))


class VariantScorer:
    """Seam always; furniture (stage, restage) or leftover (declutter) with a segmenter;
    style (stage, restage) with a CLIP model."""

    def __init__(
        self,
        segmenter: Segmenter | None = None,
        clip: Similarities | None = None,
        *,
        feather_fraction: float = 0.0,
    ) -> None:
        self.segmenter = segmenter
        self.clip = clip
        self.feather_fraction = feather_fraction

    def __call__(
        self, request: GenerationRequest, result: GenerationResult, index: int
    ) -> dict[str, float]:
        photo = request.image.convert("RGB")
        scale = min(1.0, SCORE_SIDE / max(photo.size))
        size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
        photo = _small(photo, size)
        image = _small((result.clean_images or result.images)[index].convert("RGB"), size)
        values: dict[str, float] = {}
        mask = None
        if result.mask is not None:
            mask = np.asarray(_small(result.mask.convert("L"), size, nearest=True)) > 127
            feather_px = round(self.feather_fraction * min(size))
            values["seam"] = seam_score(photo, image, mask, feather_px=feather_px)
        labels = self.segmenter.labels(image) if self.segmenter is not None else None
        if request.mode.stages:
            if self.segmenter is not None and labels is not None and mask is not None:
                values["furniture"] = furniture_score(
                    labels, self.segmenter.id2label, request.room_type, mask
                )
            if self.clip is not None:
                values["style"] = self._style(request, image, mask)
        elif self.segmenter is not None and labels is not None and result.removal_mask is not None:
            removed = np.asarray(_small(result.removal_mask.convert("L"), size, nearest=True)) > 127
            values["leftover"] = leftover_score(labels, self.segmenter.id2label, removed)
        return values

    def _style(
        self, request: GenerationRequest, image: Image.Image, mask: np.ndarray | None
    ) -> float:
        """CLIP on the staged region: its similarity to the style's prompt minus the mean of
        its similarities to the other styles' prompts for the same room (what they share, the
        room and its furniture, cancels out)."""
        assert self.clip is not None
        own = compose_prompt(str(request.style.get("prompt") or ""), request.room_type)
        others = other_style_prompts(request.style, request.room_type)
        region = staged_region(image, mask) if mask is not None else image
        similarities = self.clip(region, [own, *others])
        return similarities[0] - (float(np.mean(similarities[1:])) if others else 0.0)
