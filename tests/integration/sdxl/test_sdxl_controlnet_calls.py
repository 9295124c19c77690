"""ControlNets run only where they act, counted on the real diffusers nets (tiny models): not
after control_guidance_end, not in the detail pass. diffusers 0.42.1 alone runs them at every
step of every pass."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from tests.factories import room_photo
from tests.support.sdxl import STYLE, counting, request, run


def test_controlnets_stop_at_control_end(sdxl_generator: Any) -> None:
    # 4 steps at strength 1: diffusers keeps a net for step i while (i + 1) / 4 <= control_end.
    for end, steps_with_control in ((0.5, 2), (0.8, 3), (1.0, 4)):
        style = {**STYLE, "params": {"control_end": end}}
        with counting(sdxl_generator) as calls:
            run(sdxl_generator, request(style=style, variants=2))
        assert calls[("unet", "generation")] == 4
        assert calls[("depth", "generation")] == steps_with_control, end
        assert calls[("mlsd", "generation")] == steps_with_control, end


def test_the_detail_pass_runs_no_controlnet(sdxl_generator: Any) -> None:
    with counting(sdxl_generator) as calls:
        result, _ = run(sdxl_generator, request(image=room_photo(320, 240), variants=1))
    assert "detail" in result.timings
    assert calls[("unet", "detail")] >= 1
    assert calls[("depth", "detail")] == calls[("mlsd", "detail")] == 0
    assert calls[("depth", "generation")] == calls[("mlsd", "generation")] == 3


def test_a_controlnet_at_scale_0_runs_no_step_even_with_the_other_on(sdxl_generator: Any) -> None:
    style = {**STYLE, "params": {"depth_scale": 0}}
    with counting(sdxl_generator) as calls:
        run(sdxl_generator, request(style=style, variants=1))
    assert calls[("depth", "generation")] == 0 and calls[("mlsd", "generation")] == 3
    style = {**STYLE, "params": {"depth_scale": 0, "mlsd_scale": 0}}
    with counting(sdxl_generator) as calls:
        result, _ = run(sdxl_generator, request(style=style, variants=1))
    assert calls[("unet", "generation")] == 4
    assert calls[("depth", "generation")] == calls[("mlsd", "generation")] == 0
    assert len(result.images) == 1


def test_skipping_the_idle_nets_changes_no_pixel(sdxl_generator: Any) -> None:
    """The same pipeline call through diffusers' MultiControlNetModel and ActiveControlNets: the
    same image, bit for bit, with the calls at scale 0 left out."""
    import torch
    from diffusers.models.controlnets import MultiControlNetModel

    from worker.engine.controlnets import ActiveControlNets

    pipe = sdxl_generator.pipe
    photo = room_photo(128, 64)
    images, counts = [], []
    for wrapper in (MultiControlNetModel, ActiveControlNets):
        pipe.controlnet = wrapper(sdxl_generator.nets)
        try:
            with counting(sdxl_generator) as calls:
                output = pipe(
                    prompt="a room",
                    image=photo,
                    mask_image=Image.new("L", photo.size, 255),
                    control_image=[photo, photo],
                    controlnet_conditioning_scale=[0.6, 0.0],
                    control_guidance_end=0.5,
                    num_inference_steps=4,
                    strength=1.0,
                    generator=torch.Generator().manual_seed(0),
                    output_type="np",
                )
        finally:
            pipe.controlnet = sdxl_generator.all_nets
        images.append(output.images)
        counts.append({name: calls[(name, None)] for name in ("unet", "depth", "mlsd")})
    assert counts == [{"unet": 4, "depth": 4, "mlsd": 4}, {"unet": 4, "depth": 2, "mlsd": 0}]
    assert np.array_equal(images[0], images[1])
