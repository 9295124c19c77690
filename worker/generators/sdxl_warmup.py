"""The warm-up of a compiled sdxl worker: one short job of every shape it serves.

torch.compile makes one graph per guard set of the transformer blocks, and what sets the guards
is the block's width, the batch (1, or more: variants x classifier-free guidance), whether the
fast tier's LoRA is on, and whether a block's IP-Adapter scale is 0 (diffusers skips the adapter
then). The photo's size, the variant count above one and a scale's value do not: the blocks are
compiled with dynamic shapes, and the scale is an input. So the warm-up runs, through
generate() itself, staging in each tier with and without a reference image at 1 and 2 variants,
one unguided job (a style may set guidance 1, which drops classifier-free guidance), declutter and
restage; a re-roll is a job of fewer variants. Afterwards the compiler only runs what it has
compiled (sdxl_pipeline.serve_compiled).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from core.settings import SdxlSettings
from jobs.models import JobMode
from worker.generators.base import GenerationRequest
from worker.vision.mask import Segmenter

if TYPE_CHECKING:
    from worker.generators.sdxl import SdxlGenerator

FLOOR_TOP = 0.55
"""Where the staged room's floor starts (a fraction of the height); wall above it."""
SOFA_BOX = (0.3, 0.65, 0.7, 0.9)
"""The staged room's sofa: left, top, right, bottom as fractions of width and height."""
PHOTO_AREA = 6
"""Warm-up photos are this many times SDXL_TARGET_PIXELS: the crop gets a detail pass."""
STEPS = 2
"""Standard-tier steps of a warm-up job (the fast tier runs SDXL_LIGHTNING_STEPS)."""


class StagedRoom(Segmenter):
    """A segmenter that runs the loaded model, then answers a fixed furnished room (wall, floor,
    a sofa on it): warm-up and benchmark photos show no room a model would recognise."""

    def __init__(self, inner: Segmenter) -> None:
        self.inner = inner
        self.id2label = inner.id2label
        self.ids = {name: i for i, name in inner.id2label.items()}

    def labels(self, image: Image.Image) -> np.ndarray:
        """The model's labels replaced by the room: floor below FLOOR_TOP, a sofa in SOFA_BOX."""
        labels = np.full_like(self.inner.labels(image), self.ids["wall"])
        height, width = labels.shape
        labels[round(FLOOR_TOP * height) :] = self.ids["floor"]
        x0, y0, x1, y1 = SOFA_BOX
        labels[round(y0 * height) : round(y1 * height), round(x0 * width) : round(x1 * width)] = (
            self.ids["sofa"]
        )
        return labels


def warm_up_requests(
    settings: SdxlSettings, *, fast_tier: bool, reference: bool
) -> list[GenerationRequest]:
    """The warm-up jobs for a worker with (or without) the fast tier's LoRA and the IP-Adapter."""
    width = round(math.sqrt(PHOTO_AREA * settings.target_pixels * 4 / 3))
    photo = Image.new("RGB", (width, width * 3 // 4), (200, 190, 180))
    photo.paste((150, 120, 90), (0, round(FLOOR_TOP * photo.height), width, photo.height))
    refs = [[], [Image.new("RGB", (224, 224), (90, 110, 140))]] if reference else [[]]
    jobs: list[GenerationRequest] = []

    def job(mode: JobMode, variants: int, refs: list, **params: object) -> None:
        style = {"slug": "warm-up", "prompt": "a {room_type}", "params": {"steps": STEPS, **params}}
        seed = len(jobs)
        jobs.append(GenerationRequest(0, photo, "living_room", style, variants, seed, refs, mode))

    for fast, ref, variants in itertools.product([False, True][: 1 + fast_tier], refs, (1, 2)):
        job(JobMode.STAGE, variants, ref, fast_tier=fast)
    job(JobMode.STAGE, 1, [], guidance_scale=1.0)
    job(JobMode.DECLUTTER, 1, [])
    job(JobMode.RESTAGE, 2, refs[-1])
    return jobs


def warm_up(generator: SdxlGenerator) -> None:
    """Run every warm-up job through generate() (with a staged room for the segmenter)."""
    settings = generator.settings
    requests = warm_up_requests(
        settings,
        fast_tier=bool(settings.lightning_lora_model),
        reference=bool(settings.ip_adapter_model),
    )
    segmenter = generator.segmenter
    if segmenter is not None:
        generator.segmenter = StagedRoom(segmenter)
    try:
        for request in requests:
            if segmenter is None and request.mode.removes:
                continue  # declutter and restage need a segmenter; this worker refuses them
            generator.generate(request, lambda fraction, stage: None, lambda: False)
    finally:
        generator.segmenter = segmenter
