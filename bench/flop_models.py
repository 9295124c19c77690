"""The models bench/flops.py needs: tiny ones with SDXL's shapes, and full-size ones on meta.

The tiny models run production's path on the CPU at production's sizes. What they must share with
the published ones is every shape a pipeline call depends on: the VAE and the ControlNet's
conditioning embedding downsample by 8, the UNet and the ControlNet by 4 more, and the inputs
have SDXL's channel counts. Their widths are tiny, and only their deepest level has attention
(the VAE has none), so a 3 MP detail pass takes seconds on the CPU. The full-size models are
built from bench/gpu_configs.py on the meta device: no memory, no arithmetic, exact FLOPs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import gpu_configs as cfg
from tests.support import tiny_adapters, tiny_models

_TINY_UNET: dict[str, Any] = {
    "block_out_channels": (8, 16, 16),
    "layers_per_block": 1,
    "down_block_types": ("DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D"),
    "attention_head_dim": 2,
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 8,
    "transformer_layers_per_block": 1,
    "projection_class_embeddings_input_dim": 6 * 8 + tiny_models.TEXT_HIDDEN,
    "cross_attention_dim": 2 * tiny_models.TEXT_HIDDEN,
    "norm_num_groups": 8,
}


def save_tiny(root: Path) -> dict[str, Any]:
    """Tiny shape-true SDXL inpainting, depth ControlNet and Lightning LoRA under root; returns
    the SdxlSettings fields pointing at them (the tests' tiny text encoders and depth model)."""
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel

    models = tiny_models.build_tiny_models(root)
    torch.manual_seed(0)
    UNet2DConditionModel(
        in_channels=9,
        out_channels=4,
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        **_TINY_UNET,
    ).save_pretrained(models.base / "unet")
    AutoencoderKL(
        block_out_channels=(8, 8, 8, 8),
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        norm_num_groups=8,
        layers_per_block=1,
        mid_block_add_attention=False,
        force_upcast=False,
    ).save_pretrained(models.base / "vae")
    controlnet = root / "controlnet-depth"
    ControlNetModel(
        in_channels=4, conditioning_embedding_out_channels=(8, 8, 8, 8), **_TINY_UNET
    ).save_pretrained(controlnet)
    lora = tiny_adapters.lightning_lora(root / "lightning", tiny_adapters.load_unet(models.base))
    return {
        "base_model": str(models.base),
        "vae_model": "",
        "variant": "",
        "controlnet_depth_model": str(controlnet),
        "controlnet_mlsd_model": "",
        "segmentation_model": "",
        "depth_model": str(models.depth),
        "lightning_lora_model": str(lora),
        "lightning_lora_weight": tiny_adapters.LORA_WEIGHT,
        "quality_clip_model": "",  # the gate's scoring is not counted
        "device": "cpu",
        "dtype": "float32",
    }


class MetaModels:
    """Full-size SDXL models on the meta device, built on first use."""

    def __init__(self) -> None:
        self._models: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        """ "unet" (with the fast tier's LoRA, disabled), "controlnet", "vae", "text_encoder",
        "text_encoder_2"."""
        if name not in self._models:
            import torch

            with torch.device("meta"):
                self._models[name] = _build(name)
        return self._models[name]


def _build(name: str) -> Any:
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel
    from peft import LoraConfig
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    if name == "unet":
        unet = UNet2DConditionModel(**cfg.SDXL_UNET)
        # The GPU check's Lightning-style LoRA: its rank, on the same layers.
        unet.add_adapter(
            LoraConfig(
                r=cfg.FULL.lora_rank,
                lora_alpha=cfg.FULL.lora_rank,
                target_modules=list(tiny_adapters.LORA_TARGETS),
            )
        )
        unet.disable_adapters()
        return unet
    if name == "controlnet":
        return ControlNetModel(**cfg.SDXL_CONTROLNET)
    if name == "vae":
        return AutoencoderKL(**cfg.SDXL_VAE)
    if name == "text_encoder":
        return CLIPTextModel(CLIPTextConfig(**cfg.CLIP_L))
    if name == "text_encoder_2":
        return CLIPTextModelWithProjection(CLIPTextConfig(**cfg.CLIP_BIG_G))
    raise ValueError(f"no model {name}")
