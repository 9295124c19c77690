"""The fast-tier LoRA and the IP-Adapter, loaded from tiny saved adapters by production code;
the IP-Adapter shows an Add its piece."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from jobs.edits import ChosenItem, EditAction
from tests.support.sdxl import STYLE, request, run, tiny_settings
from tests.support.tiny_adapters import (
    IP_ADAPTER_SUBFOLDER,
    IP_ADAPTER_WEIGHT,
    LORA_WEIGHT,
    ip_adapter,
    lightning_lora,
    load_unet,
)
from tests.support.tiny_models import TinyModels
from worker.edits import edit_region
from worker.generators.base import EditRequest

LIGHTNING_STEPS = 3  # differs from the standard tier's 4 steps in tiny_settings
FAST = {**STYLE, "params": {"fast_tier": True}}


def lora_generator(models: TinyModels, lora: Any) -> Any:
    """A generator with the given LoRA configured as the fast tier."""
    from worker.generators.sdxl import SdxlGenerator

    settings = tiny_settings(
        models,
        lightning_lora_model=str(lora),
        lightning_lora_weight=LORA_WEIGHT,
        lightning_steps=LIGHTNING_STEPS,
    )
    return SdxlGenerator.from_settings(settings)


@pytest.fixture(scope="module")
def lightning(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A generator whose fast tier is a random, non-zero LoRA."""
    path = lightning_lora(tmp_path_factory.mktemp("lora"), load_unet(tiny_models.base))
    return lora_generator(tiny_models, path)


def denoising(progress: list[tuple[float, str]]) -> list[str]:
    return [stage for _, stage in progress if stage.startswith("Denoising")]


def test_fast_tier_runs_lightning_steps_through_the_lora(
    lightning: Any, tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Same steps, scheduler and guidance through a LoRA whose up-projections are zero:
    # any difference in the output is the LoRA's weights at work.
    inert = lora_generator(
        tiny_models,
        lightning_lora(
            tmp_path_factory.mktemp("inert-lora"), load_unet(tiny_models.base), zero=True
        ),
    )
    fast, progress = run(lightning, request(style=FAST, variants=1))
    without_effect, inert_progress = run(inert, request(style=FAST, variants=1))
    steps = [f"Denoising {i}/{LIGHTNING_STEPS}" for i in range(1, LIGHTNING_STEPS + 1)]
    assert denoising(progress) == denoising(inert_progress) == steps
    assert fast.images[0].tobytes() != without_effect.images[0].tobytes()


def test_next_standard_job_runs_without_the_lora(lightning: Any, sdxl_generator: Any) -> None:
    run(lightning, request(style=FAST, variants=1))
    after_fast, progress = run(lightning, request(variants=1))
    no_lora, _ = run(sdxl_generator, request(variants=1))
    assert denoising(progress)[-1] == "Denoising 4/4"
    assert after_fast.images[0].tobytes() == no_lora.images[0].tobytes()
    fast_again, progress = run(lightning, request(style=FAST, variants=1))
    assert denoising(progress)[-1] == f"Denoising {LIGHTNING_STEPS}/{LIGHTNING_STEPS}"
    assert fast_again.images[0].tobytes() != no_lora.images[0].tobytes()


@pytest.fixture(scope="module")
def ip_generator(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A generator with the tiny IP-Adapter and its CLIP image encoder loaded."""
    from worker.generators.sdxl import SdxlGenerator

    path = ip_adapter(tmp_path_factory.mktemp("ip-adapter"), load_unet(tiny_models.base))
    settings = tiny_settings(
        tiny_models,
        ip_adapter_model=str(path),
        ip_adapter_subfolder=IP_ADAPTER_SUBFOLDER,
        ip_adapter_weight=IP_ADAPTER_WEIGHT,
        ip_adapter_scale=1.0,
    )
    return SdxlGenerator.from_settings(settings)


def test_reference_image_steers_output_and_its_embeddings_are_cached(ip_generator: Any) -> None:
    encoded: list[int] = []
    hook = ip_generator.pipe.image_encoder.register_forward_hook(lambda *_: encoded.append(1))
    reference = Image.new("RGB", (40, 30), (180, 40, 30))
    try:
        plain, _ = run(ip_generator, request(variants=1))
        assert len(encoded) == 1  # the black stand-in image at scale 0
        styled, _ = run(ip_generator, request(variants=1, reference_images=[reference]))
        assert len(encoded) == 2
        again, _ = run(ip_generator, request(variants=1, reference_images=[reference]))
        assert len(encoded) == 2
        other_style = {**STYLE, "slug": "birch"}
        run(ip_generator, request(variants=1, style=other_style, reference_images=[reference]))
        assert len(encoded) == 3
    finally:
        hook.remove()
    assert styled.images[0].tobytes() != plain.images[0].tobytes()
    assert again.images[0].tobytes() == styled.images[0].tobytes()


def ip_scales(generator: Any) -> dict[str, list[float]]:
    """The IP-Adapter scale of every cross-attention processor of the UNet, by layer name."""
    return {
        name: list(processor.scale)
        for name, processor in generator.pipe.unet.attn_processors.items()
        if hasattr(processor, "scale") and name.endswith("attn2.processor")
    }


def test_reference_steers_only_the_style_layer_by_default(ip_generator: Any) -> None:
    reference = Image.new("RGB", (40, 30), (180, 40, 30))
    run(ip_generator, request(variants=1, reference_images=[reference]))
    scales = ip_scales(ip_generator)
    style = "up_blocks.0.attentions.1.transformer_blocks.0.attn2.processor"
    assert scales[style] == [1.0]
    assert len(scales) > 1 and all(s == [0.0] for name, s in scales.items() if name != style)


def test_all_layers_take_the_reference_when_configured(ip_generator: Any) -> None:
    reference = Image.new("RGB", (40, 30), (180, 40, 30))
    adapters = ip_generator.adapters
    adapters.settings = adapters.settings.model_copy(update={"ip_adapter_layers": "all"})
    try:
        run(ip_generator, request(variants=1, reference_images=[reference]))
        assert all(s == [1.0] for s in ip_scales(ip_generator).values())
    finally:
        adapters.settings = adapters.settings.model_copy(update={"ip_adapter_layers": "style"})


def test_an_add_shows_its_piece_to_the_ip_adapter(ip_generator: Any) -> None:
    """An Add's reference (job_io puts the piece's image in reference_images) steers the region."""
    base = request(variants=1)
    mask = Image.new("L", base.image.size, 0)
    ImageDraw.Draw(mask).ellipse((30, 30, 60, 56), fill=255)
    edit = EditRequest(EditAction.ADD, mask, ChosenItem(1, "Fig", "a fig tree", "k.jpg"))
    reference = Image.new("RGB", (40, 30), (30, 160, 60))
    plain, _ = run(ip_generator, request(variants=1, edit=edit, disclosure="edited"))
    shown, _ = run(ip_generator, request(variants=1, edit=edit, disclosure="edited",
                                         reference_images=[reference]))  # fmt: skip
    region = edit_region(mask, base.image.size)
    plain_px, shown_px = np.asarray(plain.images[0]), np.asarray(shown.images[0])
    assert not np.array_equal(plain_px[region], shown_px[region])
    assert np.array_equal(plain_px[~region], shown_px[~region])
