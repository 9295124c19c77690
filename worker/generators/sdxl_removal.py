"""Declutter and restage on the sdxl path: inpaint the furniture away, then (restage) stage.

The removal pass inpaints the removal mask with an empty-room prompt, on the mask's crop with
the detail pass and colour match, as staging does (sdxl_inpaint.py). It must not be steered by
the furnished room: a depth map of it would put the furniture back, so depth runs at scale 0 (it
does not run at all), and the straight lines (when an MLSD ControlNet is configured) are blanked
inside the removal mask, so only the room's own edges outside it (wall corners, skirting, window
frames) guide the geometry. Everything outside the removal mask is pasted back bit-identical.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from catalog.prompts import room_name
from jobs.models import JobMode
from worker.engine.stages import StageClock
from worker.generators.base import (
    BadInput,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    StopCheck,
    StopRequested,
    variant_seeds,
)
from worker.generators.buckets import nearest_bucket
from worker.generators.sdxl_inpaint import REMOVAL, blanked, inpaint, result_of
from worker.generators.sdxl_params import JobParams
from worker.overlay import photo_mask
from worker.vision.mask import mask_image
from worker.vision.removal import removal_mask

if TYPE_CHECKING:
    from worker.generators.sdxl import SdxlGenerator

REMOVAL_SHARE = 0.45
"""Restage: the share of the job's progress the removal pass covers (staging takes the rest)."""


def _scaled(on_progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    return lambda fraction, stage: on_progress(start + (end - start) * fraction, stage)


def emptying_params(gen: SdxlGenerator, params: JobParams, room_type: str) -> JobParams:
    """The job's parameters for a pass that empties the masked part: the empty-room prompt, full
    strength, no depth (it would put the furniture back) and no reference image."""
    return dataclasses.replace(
        params,
        prompt=gen.settings.declutter_prompt.replace("{room_type}", room_name(room_type)),
        negative_prompt=gen.settings.declutter_negative_prompt,
        strength=1.0,
        depth_scale=0.0,
        ip_adapter_scale=0.0,
    )


def generate_with_removal(
    gen: SdxlGenerator,
    request: GenerationRequest,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> GenerationResult:
    """Declutter: N emptied variants. Restage: one emptied room, then N stagings of it."""
    if gen.segmenter is None:
        raise BadInput("removing furniture needs a segmentation model (SDXL_SEGMENTATION_MODEL)")
    restage = request.mode.stages
    progress = _scaled(on_progress, 0.0, REMOVAL_SHARE) if restage else on_progress
    params = gen.params_for(request)
    photo = request.image.convert("RGB")
    width, height = nearest_bucket(
        *photo.size, target_pixels=gen.settings.target_pixels, multiple=gen.settings.bucket_multiple
    )
    clock = StageClock(gen.device)
    with clock("removal_segmentation"):
        work = photo.resize((width, height), Image.Resampling.LANCZOS)
        if should_stop():
            raise StopRequested("stop requested")
        progress(0.02, "Finding furniture")
        removal = removal_mask(
            gen.segmenter.labels(work),
            gen.segmenter.id2label,
            protected=params.protected,
            dilate_px=round(gen.settings.removal_dilate_fraction * min(work.size)),
        )
    if not removal.any():
        if restage:
            return gen.generate(
                dataclasses.replace(request, mode=JobMode.STAGE), on_progress, should_stop
            )
        raise BadInput("no furniture or clutter to remove was found in the photo")
    emptying = emptying_params(gen, params, request.room_type)
    seeds = variant_seeds(request.seed, 1 if restage else request.variants)
    binary = photo_mask(removal, photo.size)
    bare = dataclasses.replace(request, reference_images=[])
    emptied = inpaint(gen, bare, emptying, photo, binary, seeds, stages=REMOVAL,
                      inside=blanked, clock=clock, on_progress=progress,
                      should_stop=should_stop)  # fmt: skip
    if restage:
        staged = gen.generate(
            dataclasses.replace(request, image=emptied[0], mode=JobMode.STAGE),
            _scaled(on_progress, REMOVAL_SHARE, 1.0),
            should_stop,
        )
        assert staged.mask is not None
        staged.mask = mask_image(binary | (np.asarray(staged.mask) > 127))
        staged.removal_mask = mask_image(binary)
        staged.timings = {**clock.seconds, **staged.timings}
        return staged
    result = result_of(
        emptied,
        seeds,
        binary,
        gen.settings,
        gen.labels[request.disclosure],
        removal_mask=mask_image(binary),
    )
    result.timings = clock.seconds
    return result
