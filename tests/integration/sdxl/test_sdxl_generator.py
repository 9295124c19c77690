"""The sdxl generator end to end on tiny random-weight models loaded from settings."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.factories import room_photo
from tests.support.sdxl import STYLE, request, run, tiny_settings
from tests.support.tiny_models import TinyModels
from worker.generators.base import (
    BadInput,
    StopRequested,
    variant_seeds,
)


def test_variants_keep_size_and_every_pixel_outside_the_mask(sdxl_generator: Any) -> None:
    req = request()
    result, _ = run(sdxl_generator, req)
    assert len(result.images) == 2 and result.clean_images is None
    assert result.seeds == variant_seeds(1234, 2)
    assert result.mask is not None and result.mask.size == req.image.size
    outside = np.asarray(result.mask) == 0
    assert outside.any() and (~outside).any()
    photo = np.asarray(req.image)
    for image in result.images:
        assert image.size == req.image.size and image.mode == "RGB"
        pixels = np.asarray(image)
        assert (pixels[outside] == photo[outside]).all()
        assert (pixels[~outside] != photo[~outside]).any()
    assert result.images[0].tobytes() != result.images[1].tobytes()


def test_same_seed_same_images(sdxl_generator: Any) -> None:
    first, _ = run(sdxl_generator, request(variants=1, seed=7))
    again, _ = run(sdxl_generator, request(variants=1, seed=7))
    other, _ = run(sdxl_generator, request(variants=1, seed=8))
    assert first.images[0].tobytes() == again.images[0].tobytes()
    assert first.images[0].tobytes() != other.images[0].tobytes()


def test_progress_rises_through_every_stage(sdxl_generator: Any) -> None:
    _, progress = run(sdxl_generator, request(variants=1))
    fractions = [fraction for fraction, _ in progress]
    stages = [stage for _, stage in progress]
    assert fractions == sorted(fractions) and fractions[0] > 0 and fractions[-1] < 1
    assert stages[:3] == ["Segmenting", "Depth", "Lines"]
    assert [s for s in stages if s.startswith("Denoising")] == [
        "Denoising 1/4",
        "Denoising 2/4",
        "Denoising 3/4",
        "Denoising 4/4",
    ]
    assert stages[-3:] == ["Decoding", "Colour matching", "Compositing"]


def test_stop_mid_run_stops_within_one_step(sdxl_generator: Any) -> None:
    calls = {"unet": 0, "after_stop": 0}
    stop = {"now": False}

    def count(*_: Any) -> None:
        calls["unet"] += 1
        if stop["now"]:
            calls["after_stop"] += 1

    def on_progress(fraction: float, stage: str) -> None:
        if stage == "Denoising 2/4":
            stop["now"] = True

    hook = sdxl_generator.pipe.unet.register_forward_pre_hook(count)
    try:
        with pytest.raises(StopRequested):
            sdxl_generator.generate(request(), on_progress, lambda: stop["now"])
    finally:
        hook.remove()
    assert calls == {"unet": 2, "after_stop": 0}


def test_stop_before_denoising_runs_no_step(sdxl_generator: Any) -> None:
    with pytest.raises(StopRequested):
        sdxl_generator.generate(request(), lambda f, s: None, lambda: True)


def test_pipeline_error_is_readable(sdxl_generator: Any) -> None:
    from worker.generators.sdxl import GenerationFailed

    def explode(*_: Any) -> None:
        raise RuntimeError("kaboom in the unet")

    hook = sdxl_generator.pipe.unet.register_forward_pre_hook(explode)
    try:
        with pytest.raises(GenerationFailed, match=r"failed at 128x64 x 2 variants: kaboom"):
            run(sdxl_generator, request())
    finally:
        hook.remove()
    result, _ = run(sdxl_generator, request(variants=1))
    assert len(result.images) == 1


def test_cuda_out_of_memory_becomes_a_retryable_error(sdxl_generator: Any) -> None:
    import torch

    from worker.generators.sdxl import GpuOutOfMemory

    def out_of_memory(*_: Any) -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    hook = sdxl_generator.pipe.unet.register_forward_pre_hook(out_of_memory)
    try:
        with pytest.raises(GpuOutOfMemory, match=r"^GPU out of memory at 128x64 x 3 variants$"):
            run(sdxl_generator, request(variants=3))
    finally:
        hook.remove()
    assert not issubclass(GpuOutOfMemory, BadInput)


@pytest.mark.parametrize("params", [{"steps": 0}, {"depth_scale": -1}, {"scheduler": "plms"}])
def test_invalid_style_params_are_bad_input(sdxl_generator: Any, params: dict) -> None:
    with pytest.raises(BadInput, match="invalid style params"):
        run(sdxl_generator, request(style={**STYLE, "params": params}))


def test_style_can_switch_scheduler_and_drop_a_control(sdxl_generator: Any) -> None:
    style = {**STYLE, "params": {"scheduler": "euler_a", "mlsd_scale": 0, "steps": 3}}
    result, progress = run(sdxl_generator, request(style=style, variants=1))
    stages = [stage for _, stage in progress]
    assert "Lines" not in stages and "Denoising 3/3" in stages
    assert result.images[0].size == (96, 64)


def test_disclosure_label_only_on_labelled_copies(tiny_models: TinyModels) -> None:
    from worker.generators.sdxl import SdxlGenerator

    settings = tiny_settings(tiny_models, label_enabled=True, label_size_fraction=0.1)
    generator = SdxlGenerator.from_settings(settings)
    req = request(image=room_photo(160, 100), variants=1)
    result, _ = run(generator, req)
    assert result.clean_images is not None
    labelled, clean = np.asarray(result.images[0]), np.asarray(result.clean_images[0])
    outside = np.asarray(result.mask) == 0
    assert (clean[outside] == np.asarray(req.image)[outside]).all()
    rows, cols = np.nonzero(np.any(labelled != clean, axis=2))
    assert len(rows) and rows.min() > 50 and cols.max() > 140


def test_base_without_the_variant_loads_its_plain_files(
    tiny_models: TinyModels, sdxl_generator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from worker.generators.sdxl import SdxlGenerator

    with caplog.at_level(logging.WARNING, logger="worker.generators.sdxl_pipeline"):
        generator = SdxlGenerator.from_settings(tiny_settings(tiny_models, variant="fp16"))
    assert f"{tiny_models.base} has no fp16 files" in caplog.text
    assert f"{tiny_models.controlnet_depth} has no fp16 files" in caplog.text
    loaded, _ = run(generator, request(variants=1))
    plain, _ = run(sdxl_generator, request(variants=1))
    assert loaded.images[0].tobytes() == plain.images[0].tobytes()


def test_base_with_the_variant_loads_the_variant_files(
    tiny_models: TinyModels, sdxl_generator: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import torch
    from diffusers import UNet2DConditionModel

    from worker.generators.sdxl import SdxlGenerator

    base = tmp_path / "base"
    shutil.copytree(tiny_models.base, base)
    torch.manual_seed(3)
    unet = UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(base / "unet"))
    unet.save_pretrained(base / "unet", variant="fp16")  # only the UNet has the variant
    models = dataclasses.replace(tiny_models, base=base)
    with caplog.at_level(logging.WARNING, logger="worker.generators.sdxl_pipeline"):
        generator = SdxlGenerator.from_settings(tiny_settings(models, variant="fp16"))
    assert f"{base} has no fp16 files" not in caplog.text
    variant, _ = run(generator, request(variants=1))
    plain, _ = run(sdxl_generator, request(variants=1))
    assert variant.images[0].tobytes() != plain.images[0].tobytes()


def test_a_large_photo_is_generated_on_its_crop_then_detailed(sdxl_generator: Any) -> None:
    req = request(image=room_photo(320, 240), variants=2)
    result, progress = run(sdxl_generator, req)
    stages = [stage for _, stage in progress]
    assert "Denoising 4/4" in stages and any(s.startswith("Detail ") for s in stages)
    assert set(result.timings) == {
        "segmentation", "control", "generation", "detail", "colour", "paste",
    }  # fmt: skip
    outside = np.asarray(result.mask) == 0
    photo = np.asarray(req.image)
    for image in result.images:
        assert image.size == (320, 240)
        assert (np.asarray(image)[outside] == photo[outside]).all()
    assert result.images[0].tobytes() != result.images[1].tobytes()


def test_a_controlnet_at_scale_0_does_not_run(sdxl_generator: Any) -> None:
    calls = {"depth": 0, "mlsd": 0}
    hooks = [
        net.register_forward_pre_hook(
            lambda *_, kind=kind: calls.__setitem__(kind, calls[kind] + 1)
        )
        for kind, net in zip(("depth", "mlsd"), sdxl_generator.nets, strict=True)
    ]
    try:
        style = {**STYLE, "params": {"mlsd_scale": 0}}
        run(sdxl_generator, request(style=style, variants=1))
        assert calls["depth"] > 0 and calls["mlsd"] == 0
        run(sdxl_generator, request(variants=1))
        assert calls["mlsd"] > 0
    finally:
        for hook in hooks:
            hook.remove()


def test_a_fast_tier_style_without_a_lora_runs_the_standard_tier_and_says_so(
    sdxl_generator: Any,
) -> None:
    from worker.generators.sdxl import FAST_TIER_UNAVAILABLE

    style = {**STYLE, "params": {"fast_tier": True, "steps": 2, "guidance_scale": 1.5}}
    _, progress = run(sdxl_generator, request(style=style, variants=1))
    stages = [stage for _, stage in progress]
    assert stages[0] == FAST_TIER_UNAVAILABLE
    assert "Denoising 4/4" in stages  # the worker's standard 4 steps, not the style's 2


def test_a_controlnet_with_an_fp16_variant_loads_that_file(
    tiny_models: TinyModels, sdxl_generator: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The fp16 file is half the download of diffusers/controlnet-depth-sdxl-1.0's 5 GB one."""
    import torch
    from diffusers import ControlNetModel

    from worker.generators.sdxl import SdxlGenerator

    depth = tmp_path / "controlnet-depth"
    shutil.copytree(tiny_models.controlnet_depth, depth)
    torch.manual_seed(4)
    net = ControlNetModel.from_config(ControlNetModel.load_config(depth))
    net.save_pretrained(depth, variant="fp16")
    models = dataclasses.replace(tiny_models, controlnet_depth=depth)
    with caplog.at_level(logging.WARNING, logger="worker.generators.sdxl_pipeline"):
        generator = SdxlGenerator.from_settings(tiny_settings(models, variant="fp16"))
    assert f"{depth} has no fp16 files" not in caplog.text
    # A fresh ControlNet's outputs are zero by design, so the weights tell which file loaded.
    loaded = generator.nets[0].controlnet_cond_embedding.conv_in.weight
    plain = sdxl_generator.nets[0].controlnet_cond_embedding.conv_in.weight
    assert torch.equal(loaded, net.controlnet_cond_embedding.conv_in.weight)
    assert not torch.equal(loaded, plain)
    assert len(run(generator, request(variants=1))[0].images) == 1
