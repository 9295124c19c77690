"""The GPU check's full-size configs build the published architectures (on the meta device)."""

from __future__ import annotations

import pytest

from bench import gpu_configs as cfg
from bench import gpu_models


def params(model: object) -> float:
    """Parameters in millions."""
    return sum(p.numel() for p in model.parameters()) / 1e6  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "millions"),
    [
        ("unet", 2567.5),
        ("controlnet", 1251.4),
        ("vae", 83.7),
        ("clip_l", 123.1),
        ("big_g", 694.7),
        ("clip_b32", 151.3),
    ],
)
def test_full_size_models_have_the_published_parameter_counts(kind: str, millions: float) -> None:
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel
    from transformers import (
        CLIPConfig,
        CLIPModel,
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTextModelWithProjection,
    )

    text = {"vocab_size": 49408, "max_position_embeddings": 77}
    build = {
        "unet": lambda: UNet2DConditionModel(**cfg.SDXL_UNET),
        "controlnet": lambda: ControlNetModel(**cfg.SDXL_CONTROLNET),
        "vae": lambda: AutoencoderKL(**cfg.SDXL_VAE),
        "clip_l": lambda: CLIPTextModel(CLIPTextConfig(**gpu_models.CLIP_L, **text)),
        "big_g": lambda: CLIPTextModelWithProjection(
            CLIPTextConfig(**gpu_models.CLIP_BIG_G, **text)
        ),
        "clip_b32": lambda: CLIPModel(CLIPConfig(**cfg.CLIP_B32)),  # the gate's style score
    }
    with torch.device("meta"):
        model = build[kind]()
    assert params(model) == pytest.approx(millions, rel=0.01)
