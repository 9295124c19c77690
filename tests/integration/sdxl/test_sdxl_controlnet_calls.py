"""ControlNets run only where they act, counted on the real diffusers nets (tiny models): not
after control_guidance_end, not in the detail pass. diffusers 0.42.1 alone runs them at every
step of every pass."""

from __future__ import annotations

from typing import Any

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
