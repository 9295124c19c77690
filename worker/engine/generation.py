"""One pass of the diffusers pipeline over a crop: the generation, and the detail pass after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from worker.generators.sdxl_params import JobParams
from worker.vision.mask import mask_image

StepCallback = Callable[[int, int], None]
"""Called after each denoising step with (step, total), 1-based."""


@dataclass(frozen=True)
class Pass:
    """What one pipeline call works on: images (one, or one per variant), at one size; a control
    image and scale per ControlNet (none: no ControlNet runs)."""

    images: list[Image.Image]
    mask: np.ndarray
    controls: list[Image.Image | None]
    scales: list[float]
    strength: float
    steps: int

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the pass."""
        return self.images[0].size


def active_controls(
    nets: list[Any], controls: list[Image.Image | None], scales: list[float], size: tuple[int, int]
) -> tuple[list[Any], list[Image.Image], list[float]]:
    """The ControlNets whose scale is above 0, with their images and scales. With none, the first
    net at scale 0 and a black image of size: the pipeline needs one, and ActiveControlNets
    never runs a net at scale 0."""
    kept = [
        (nets[i], control, scale)
        for i, (control, scale) in enumerate(zip(controls, scales, strict=True))
        if scale > 0 and control is not None
    ]
    if not kept:
        return nets[:1], [Image.new("RGB", size)], [0.0]
    chosen, images, kept_scales = zip(*kept, strict=True)
    return list(chosen), list(images), list(kept_scales)


def run_pass(
    pipe: Any,
    nets: list[Any],
    params: JobParams,
    work: Pass,
    seeds: list[int],
    extra: dict[str, Any],
    on_step: StepCallback,
) -> list[Image.Image]:
    """Denoise the pass's masked region in len(seeds) variants; returns PIL images of work.size."""
    import torch

    from worker.engine.controlnets import ActiveControlNets

    chosen, controls, scales = active_controls(nets, work.controls, work.scales, work.size)
    pipe.controlnet = ActiveControlNets(chosen)
    width, height = work.size
    controls = [c.resize(work.size, Image.Resampling.BILINEAR) for c in controls]

    def callback(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        on_step(step + 1, pipe.num_timesteps)
        return {}

    per_variant = len(work.images) > 1
    output = pipe(
        prompt=params.prompt,
        negative_prompt=params.negative_prompt,
        image=work.images if per_variant else work.images[0],
        mask_image=mask_image(work.mask),
        control_image=controls,
        controlnet_conditioning_scale=scales,
        control_guidance_end=params.control_end,
        height=height,
        width=width,
        strength=work.strength,
        num_inference_steps=work.steps,
        guidance_scale=params.guidance_scale,
        num_images_per_prompt=len(seeds),
        generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds],
        callback_on_step_end=callback,
        output_type="pil",
        **extra,
    )
    return list(output.images)
