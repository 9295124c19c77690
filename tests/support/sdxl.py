"""Requests, runs and settings for the sdxl generator on the tiny models."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.settings import SdxlSettings, Settings
from tests.factories import room_photo
from tests.support.tiny_models import TinyModels
from worker.engine.stages import CURRENT_STAGE
from worker.generators.base import GenerationRequest, GenerationResult

STYLE = {"slug": "oak", "prompt": "a {room_type} with oak furniture", "params": {}}


def request(**fields: Any) -> GenerationRequest:
    """A living-room request in the oak style, 2 variants, seed 1234, with fields overridden."""
    values: dict[str, Any] = {
        "job_id": 1,
        "image": room_photo(96, 64),
        "room_type": "living_room",
        "style": STYLE,
        "variants": 2,
        "seed": 1234,
    }
    values.update(fields)
    return GenerationRequest(**values)


def run(generator: Any, req: GenerationRequest) -> tuple[GenerationResult, list]:
    """Generate without stopping; the result and every (fraction, stage) reported."""
    progress: list[tuple[float, str]] = []
    result = generator.generate(req, lambda f, s: progress.append((f, s)), lambda: False)
    return result, progress


def tiny_settings(models: TinyModels, **overrides: Any) -> Settings:
    """Settings pointing the sdxl generator at the tiny models, at tiny sizes."""
    values: dict[str, Any] = {
        "base_model": str(models.base),
        "vae_model": "",
        "variant": "",
        "controlnet_depth_model": str(models.controlnet_depth),
        "controlnet_mlsd_model": str(models.controlnet_mlsd),
        "segmentation_model": "",
        "depth_model": str(models.depth),
        "mlsd_model": str(models.mlsd),
        "mlsd_resolution": 64,
        "target_pixels": 8192,
        "steps": 4,
        "strength": 1.0,
        "prompt_suffix": "",
        "negative_prompt": "blurry",
        "label_enabled": False,  # on by default; these tests compare pixels outside the mask
        "quality_clip_model": "",
    }
    values.update(overrides)
    # Random weights miss every threshold: gate tests choose their own re-roll count.
    return Settings(sdxl=SdxlSettings(**values), quality_max_rerolls=0)


@contextmanager
def counting(generator: Any) -> Iterator[Counter[tuple[str, str | None]]]:
    """Forward calls of the generator's UNet and of each ControlNet ("depth", "mlsd"), counted by
    the stage being timed when they ran."""
    calls: Counter[tuple[str, str | None]] = Counter()

    def hook(name: str) -> Any:
        return lambda *_: calls.update([(name, CURRENT_STAGE.get())])

    models = [("unet", generator.pipe.unet), *zip(generator.controls, generator.nets, strict=True)]
    handles = [model.register_forward_pre_hook(hook(name)) for name, model in models]
    try:
        yield calls
    finally:
        for handle in handles:
            handle.remove()
