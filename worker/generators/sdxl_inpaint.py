"""One mask inpainted on its crop, for staging and for furniture removal alike: control images,
generation, detail pass, colour match and paste-back, each timed under its stage's name."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from core.settings import SdxlSettings
from worker.engine.colour import colour_match
from worker.engine.crop import CropPlan, crop_mask, crop_resized, plan_for
from worker.engine.generation import Pass
from worker.engine.stages import StageClock, blank_inside, control_images, paste_crop
from worker.generators.base import GenerationRequest, GenerationResult, ProgressCallback, StopCheck
from worker.generators.sdxl_params import JobParams
from worker.postprocess import label_results
from worker.vision.mask import mask_image

if TYPE_CHECKING:
    from worker.generators.sdxl import SdxlGenerator

DENOISE_START, DETAIL_START, DENOISE_END = 0.1, 0.7, 0.95
"""The share of job progress that denoising covers (segmentation and depth come before); the
detail pass, when there is one, takes the part from DETAIL_START."""
COLOUR_RING_FRACTION = 0.02
"""Width of the colour-match ring, as a share of the generated crop's short side."""

Controls = list[Image.Image | None]
InsideMask = Callable[[Controls, np.ndarray], Controls]
"""Control images (one per ControlNet) and the crop's mask in; what the nets may see out."""


def blanked(controls: Controls, mask: np.ndarray) -> Controls:
    """The control images with nothing inside the mask."""
    return [blank_inside(control, mask) for control in controls]


@dataclass(frozen=True)
class Stages:
    """The names one inpainting times its stages under, and its first pass's progress label."""

    control: str
    generation: str
    detail: str
    colour: str
    paste: str
    label: str


STAGING = Stages("control", "generation", "detail", "colour", "paste", "Denoising")
REMOVAL = Stages(
    "removal_control", "removal", "removal_detail", "removal_colour", "removal_paste", "Removing"
)


def inpaint(
    gen: SdxlGenerator,
    request: GenerationRequest,
    params: JobParams,
    photo: Image.Image,
    mask: np.ndarray,
    seeds: list[int],
    *,
    stages: Stages,
    inside: InsideMask,
    clock: StageClock,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> list[Image.Image]:
    """The photo with the (photo-size) mask inpainted, one per seed; every pixel outside the mask
    stays the photo's. `inside` decides what the control images show inside the mask."""
    plan = plan_for(mask, gen.settings)
    with clock(stages.control):
        work = crop_resized(photo, plan.box, plan.size)
        work_mask = crop_mask(mask, plan.box, plan.size)
        annotators = gen._annotators(params, on_progress, should_stop)
        controls = inside(control_images(work, annotators), work_mask)
    split = DETAIL_START if plan.detail_size else DENOISE_END

    def run(work: Pass, band: tuple[float, float], label: str) -> list[Image.Image]:
        return gen._run(request, params, work, seeds, band, label, on_progress, should_stop)

    with clock(stages.generation):
        scales = [scale for _, scale in annotators]
        first = Pass([work], work_mask, controls, scales, params.strength, params.steps)
        images = run(first, (DENOISE_START, split), stages.label)
    if plan.detail_size:
        with clock(stages.detail):
            images = run(detail_pass(images, mask, plan, params, gen.settings),
                         (split, DENOISE_END), "Detail")  # fmt: skip
    with clock(stages.colour):
        on_progress(0.96, "Colour matching")
        size = images[0].size
        reference = crop_resized(photo, plan.box, size)
        edge = crop_mask(mask, plan.box, size)
        ring = max(2, round(COLOUR_RING_FRACTION * min(size)))
        images = [colour_match(image, reference, edge, ring_px=ring) for image in images]
    with clock(stages.paste):
        on_progress(0.97, "Compositing")
        feather_px = round(gen.settings.mask_feather_fraction * min(photo.size))
        return [paste_crop(photo, image, mask, plan.box, feather_px=feather_px) for image in images]


def detail_pass(
    images: list[Image.Image],
    mask: np.ndarray,
    plan: CropPlan,
    params: JobParams,
    settings: SdxlSettings,
) -> Pass:
    """The first pass's images upscaled to the plan's detail size, re-denoised lightly in at most
    SDXL_DETAIL_STEPS steps and without ControlNets: the first pass fixed the geometry, and at
    detail strength a ControlNet only costs (in diffusers, a full pass of its encoder per step)."""
    assert plan.detail_size is not None
    size = plan.detail_size
    strength = min(params.strength, settings.detail_strength)
    steps = min(params.steps, schedule_for(settings.detail_steps, strength))
    return Pass(
        [image.resize(size, Image.Resampling.LANCZOS) for image in images],
        crop_mask(mask, plan.box, size),
        [],
        [],
        strength,
        max(steps, schedule_for(1, strength)),
    )


def schedule_for(steps: int, strength: float) -> int:
    """The fewest num_inference_steps for which diffusers runs `steps` steps at strength (it runs
    int(num_inference_steps * strength))."""
    total = math.ceil(steps / strength)
    return total if int(total * strength) >= steps else total + 1


def result_of(
    images: list[Image.Image],
    seeds: list[int],
    mask: np.ndarray,
    settings: SdxlSettings,
    label: str,
    **extra: Any,
) -> GenerationResult:
    """The result: the images, labelled copies of them (with `label`, the disclosure's) when the
    deployment labels."""
    result = GenerationResult(images=images, seeds=seeds, mask=mask_image(mask), **extra)
    label_results(result, label, settings)
    return result
