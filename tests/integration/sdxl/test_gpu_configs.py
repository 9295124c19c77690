"""The GPU check's models: full-size configs build the published architectures (meta device);
the dry run's tiny configs share their topology, and both are saved in the published layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import gpu_configs as cfg
from bench import gpu_models

LAYOUT = {
    # The weight and config files of each hub repo, as download-models fetches them.
    "sdxl-inpaint": {
        "model_index.json", "scheduler/scheduler_config.json",
        "text_encoder/config.json", "text_encoder/model.fp16.safetensors",
        "text_encoder_2/config.json", "text_encoder_2/model.fp16.safetensors",
        "tokenizer/tokenizer_config.json", "tokenizer_2/tokenizer_config.json",
        "unet/config.json", "unet/diffusion_pytorch_model.fp16.safetensors",
        "vae/config.json", "vae/diffusion_pytorch_model.fp16.safetensors",
    },
    "vae": {"config.json", "diffusion_pytorch_model.safetensors"},
    "controlnet-depth": {"config.json", "diffusion_pytorch_model.fp16.safetensors"},
    "upernet": {"config.json", "preprocessor_config.json", "pytorch_model.bin"},
    "depth": {"config.json", "preprocessor_config.json", "model.safetensors"},
    "clip": {
        "config.json", "model.safetensors", "preprocessor_config.json", "tokenizer_config.json",
    },
    "lightning": {"sdxl_lightning_8step_lora.safetensors"},
    "ip-adapter": {
        "sdxl_models/ip-adapter_sdxl.safetensors", "sdxl_models/image_encoder/config.json",
        "sdxl_models/image_encoder/model.safetensors",
    },
}  # fmt: skip


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
        ("upernet", 81.9),  # openmmlab/upernet-convnext-small
        ("depth", 24.8),  # Depth-Anything-V2-Small
        ("ip_encoder", 1844.9),  # IP-Adapter's ViT-bigG image encoder
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
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    build = {
        "unet": lambda: UNet2DConditionModel(**cfg.FULL.unet),
        "controlnet": lambda: ControlNetModel(**cfg.FULL.controlnet),
        "vae": lambda: AutoencoderKL(**cfg.FULL.vae),
        "clip_l": lambda: CLIPTextModel(CLIPTextConfig(**cfg.FULL.clip_l)),
        "big_g": lambda: CLIPTextModelWithProjection(CLIPTextConfig(**cfg.FULL.clip_big_g)),
        "clip_b32": lambda: CLIPModel(CLIPConfig(**cfg.FULL.gate_clip)),  # the gate's style score
        "upernet": lambda: gpu_models.segmenter_model(cfg.FULL),
        "depth": lambda: gpu_models.depth_model(cfg.FULL),
        "ip_encoder": lambda: CLIPVisionModelWithProjection(
            CLIPVisionConfig(**cfg.FULL.ip_encoder)
        ),
    }
    with torch.device("meta"):
        model = build[kind]()
    assert params(model) == pytest.approx(millions, rel=0.01)


def _topology(model: Any) -> list[tuple[str, int]]:
    """Where the compiled blocks sit: (parent path with digits kept, block count), in order."""
    from collections import Counter

    names = [n for n, m in model.named_modules() if type(m).__name__ == "BasicTransformerBlock"]
    return list(Counter(n.split(".transformer_blocks")[0] for n in names).items())


def test_the_tiny_models_have_the_full_size_topology() -> None:
    """Same levels, transformer placement and downscale factors: the dry run traces the same
    regional-compile graphs as the GPU (only widths and depth inside a level shrink)."""
    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    with torch.device("meta"):
        for build, field in ((UNet2DConditionModel, "unet"), (ControlNetModel, "controlnet")):
            full, tiny = (build(**getattr(c, field)) for c in (cfg.FULL, cfg.TINY))
            assert [p for p, _ in _topology(full)] == [p for p, _ in _topology(tiny)]
    for field in ("down_block_types", "use_linear_projection", "addition_embed_type"):
        assert cfg.FULL.unet[field] == cfg.TINY.unet[field]
    assert len(cfg.FULL.vae["block_out_channels"]) == len(cfg.TINY.vae["block_out_channels"])
    conditioning = "conditioning_embedding_out_channels"
    assert len(cfg.FULL.controlnet[conditioning]) == len(cfg.TINY.controlnet[conditioning])
    head_dims = [
        {
            w // h
            for w, h in zip(c.unet["block_out_channels"], c.unet["attention_head_dim"], strict=True)
        }
        for c in (cfg.FULL, cfg.TINY)
    ]
    assert [len(d) for d in head_dims] == [1, 1]  # one head size across levels in both


def test_the_dry_run_models_are_saved_in_the_published_layouts(
    dry_run_models: dict[str, str],
) -> None:
    root = Path(dry_run_models["base_model"]).parent
    for folder, expected in LAYOUT.items():
        files = {
            str(p.relative_to(root / folder))
            for p in (root / folder).rglob("*")
            if p.suffix in {".safetensors", ".bin"}
            or p.name.endswith(("config.json", "index.json"))
        }
        assert files == expected, folder
