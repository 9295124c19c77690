"""A tiny Lightning-like LoRA and a tiny IP-Adapter for the tiny SDXL UNet, in published layouts."""

from __future__ import annotations

from pathlib import Path

LORA_WEIGHT = "tiny_lightning_lora.safetensors"
IP_ADAPTER_SUBFOLDER = "sdxl_models"
IP_ADAPTER_WEIGHT = "ip-adapter_sdxl.safetensors"
IP_TOKENS = 4
"""Image tokens of a plain (non-Plus) IP-Adapter, which diffusers hard-codes for "proj.weight"."""
CLIP_PROJECTION = 16
LORA_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
"""The UNet layers the Lightning-like LoRA adapts."""


def lightning_lora(path: Path, base: Path, *, zero: bool = False, rank: int = 4) -> Path:
    """A diffusers-format LoRA on the UNet's attention projections; zero=True has no effect."""
    import torch
    from diffusers import StableDiffusionXLPipeline, UNet2DConditionModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(1)
    unet = UNet2DConditionModel.from_pretrained(base / "unet")
    # init_lora_weights=False makes both LoRA matrices random; True leaves lora_B zero.
    config = LoraConfig(
        r=rank,
        lora_alpha=rank,
        target_modules=list(LORA_TARGETS),
        init_lora_weights=zero,
    )
    unet.add_adapter(config)
    StableDiffusionXLPipeline.save_lora_weights(
        path, unet_lora_layers=get_peft_model_state_dict(unet), weight_name=LORA_WEIGHT
    )
    return path


def ip_adapter(path: Path, base: Path, *, encoder: dict | None = None) -> Path:
    """h94/IP-Adapter's layout: <subfolder>/image_encoder, image_proj.* + ip_adapter.* weights."""
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(2)
    folder = path / IP_ADAPTER_SUBFOLDER
    config = CLIPVisionConfig(
        **(
            encoder
            or {
                "hidden_size": 16,
                "intermediate_size": 32,
                "num_attention_heads": 2,
                "num_hidden_layers": 2,
                "image_size": 32,
                "patch_size": 8,
                "projection_dim": CLIP_PROJECTION,
            }
        )
    )
    CLIPVisionModelWithProjection(config).save_pretrained(folder / "image_encoder")
    unet = UNet2DConditionModel.from_pretrained(base / "unet")
    cross = unet.config.cross_attention_dim
    tensors = {
        "image_proj.proj.weight": torch.randn(IP_TOKENS * cross, config.projection_dim),
        "image_proj.proj.bias": torch.randn(IP_TOKENS * cross),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    # diffusers numbers the cross-attention processors 1, 3, 5, ... in attn_processors order.
    cross_attention = [n for n in unet.attn_processors if n.endswith("attn2.processor")]
    for index, name in enumerate(cross_attention):
        to_k = unet.get_submodule(name.removesuffix(".processor")).to_k.weight
        for projection in ("to_k_ip", "to_v_ip"):
            tensors[f"ip_adapter.{2 * index + 1}.{projection}.weight"] = torch.randn_like(to_k)
    save_file(tensors, folder / IP_ADAPTER_WEIGHT)
    return path
