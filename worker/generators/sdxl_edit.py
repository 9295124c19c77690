"""Edits on the sdxl path (jobs/edits.py): the painted region of a result, removed, generated
again or given a curated piece, through the same crop, detail and colour-match stages as staging
(sdxl_inpaint.py).

A removal empties the region with declutter's prompt and no depth; a redo inpaints it with the
job's own staging parameters and a new seed (a removal job's redo empties it again); an add
inpaints it with the staging parameters but the piece's prompt in the room's style, and the
piece's reference image, when it has one, through the IP-Adapter (job_io chose it). The paste
keeps every pixel outside the grown region the result's own (worker/edits.py).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from jobs.edits import EditAction
from worker.edits import edit_region, paste_edit
from worker.engine.stages import StageClock
from worker.generators.base import (
    EditRequest,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    StopCheck,
    variant_seeds,
)
from worker.generators.sdxl_inpaint import REMOVAL, STAGING, blanked, inpaint, result_of
from worker.generators.sdxl_params import item_params
from worker.generators.sdxl_removal import emptying_params

if TYPE_CHECKING:
    from worker.generators.sdxl import SdxlGenerator


def generate_edit(
    gen: SdxlGenerator,
    request: GenerationRequest,
    edit: EditRequest,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> GenerationResult:
    """One result: the request's image with only the painted region changed."""
    params = gen.params_for(request)
    photo = request.image.convert("RGB")
    region = edit_region(edit.mask, photo.size)
    seeds = variant_seeds(request.seed, 1)
    clock = StageClock(gen.device)
    if edit.item is not None:
        style, room = request.style, request.room_type
        params = item_params(params, edit.item.prompt, style, room, gen.settings)
    if edit.action is EditAction.REMOVE or (
        edit.action is EditAction.REDO and not request.mode.stages
    ):
        bare = dataclasses.replace(request, reference_images=[])
        emptying = emptying_params(gen, params, request.room_type)
        images = inpaint(gen, bare, emptying, photo, region, seeds, stages=REMOVAL,
                         inside=blanked, clock=clock, on_progress=on_progress,
                         should_stop=should_stop)  # fmt: skip
    else:
        images = inpaint(gen, request, params, photo, region, seeds, stages=STAGING,
                         inside=gen._depth_inside(params), clock=clock, on_progress=on_progress,
                         should_stop=should_stop)  # fmt: skip
    images = [paste_edit(photo, image, region) for image in images]
    result = result_of(images, seeds, region, gen.settings, gen.labels[request.disclosure])
    result.timings = clock.seconds
    return result
