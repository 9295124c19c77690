"""The sdxl generator's finishing jobs (enhance, sky, twilight): the classical passes of
worker/finishing with the segmenter's sky and windows, labelled like a staging.

Twilight runs the classical dusk grade here too: the diffusion dusk pass that would refine it
(worker/finishing/dusk_pass.plan_dusk_pass) is planned but not yet run through the pipeline;
docs/models.md says what a GPU must judge before it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from worker.engine.stages import StageClock
from worker.generators.base import GenerationRequest, GenerationResult, ProgressCallback, StopCheck
from worker.generators.sdxl_inpaint import result_of

if TYPE_CHECKING:
    from worker.generators.sdxl import SdxlGenerator


def generate_finishing(
    generator: SdxlGenerator,
    request: GenerationRequest,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> GenerationResult:
    """The finishing pass, timed as one stage; the whole photo counts as changed without a mask."""
    # Imported here: finishing needs cv2, kept out of the generators' import.
    from worker.finishing_job import finish, segmented_alphas

    clock = StageClock(generator.device)
    with clock("finishing"):
        done = finish(request, segmented_alphas(generator.segmenter), on_progress, should_stop)
    photo = request.image
    mask = done.mask if done.mask is not None else np.ones((photo.height, photo.width), bool)
    label = generator.labels[request.disclosure]
    result = result_of(done.images, done.seeds, mask, generator.settings, label)
    result.timings = clock.seconds
    return result
