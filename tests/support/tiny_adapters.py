"""A Lightning-like LoRA and an IP-Adapter for a given SDXL UNet, in the published layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LORA_WEIGHT = "tiny_lightning_lora.safetensors"
IP_ADAPTER_SUBFOLDER = "sdxl_models"
IP_ADAPTER_WEIGHT = "ip-adapter_sdxl.safetensors"
IP_TOKENS = 4
"""Image tokens of a plain (non-Plus) IP-Adapter, which diffusers hard-codes for "proj.weight"."""
CLIP_PROJECTION = 16
TINY_ENCODER = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_attention_heads": 2,
    "num_hidden_layers": 2,
    "image_size": 32,
    "patch_size": 8,
    "projection_dim": CLIP_PROJECTION,
}

LORA_TARGETS = ("to_q", "to_k", "to_v", "to_out.0")
"""The UNet layers the Lightning-like LoRA adapts."""


def load_unet(base: Path) -> Any:
    """The UNet of a saved pipeline directory (plain files)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel.from_pretrained(base / "unet")


def lightning_lora(
    path: Path, unet: Any, *, zero: bool = False, rank: int = 4, weight_name: str = LORA_WEIGHT
) -> Path:
    """A diffusers-format LoRA on the UNet's attention projections; zero=True has no effect.
    Adds the adapter to unet itself."""
    import torch
    from diffusers import StableDiffusionXLPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(1)
    # init_lora_weights=False makes both LoRA matrices random; True leaves lora_B zero.
    config = LoraConfig(
        r=rank,
        lora_alpha=rank,
        target_modules=list(LORA_TARGETS),
        init_lora_weights=zero,
    )
    unet.add_adapter(config)
    StableDiffusionXLPipeline.save_lora_weights(
        path, unet_lora_layers=get_peft_model_state_dict(unet), weight_name=weight_name
    )
    return path


def ip_adapter(path: Path, unet: Any, *, encoder: dict | None = None) -> Path:
    """h94/IP-Adapter's layout: <subfolder>/image_encoder (fp16), image_proj.* + ip_adapter.*
    weights (fp16); the encoder is built on the UNet's device."""
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(2)
    folder = path / IP_ADAPTER_SUBFOLDER
    config = CLIPVisionConfig(**(encoder or TINY_ENCODER))
    with torch.device(unet.device):
        image_encoder = CLIPVisionModelWithProjection(config)
    image_encoder.half().save_pretrained(folder / "image_encoder")
    cross = unet.config.cross_attention_dim
    half = {"dtype": torch.float16, "device": unet.device}
    tensors = {
        "image_proj.proj.weight": torch.randn(IP_TOKENS * cross, config.projection_dim, **half),
        "image_proj.proj.bias": torch.randn(IP_TOKENS * cross, **half),
        "image_proj.norm.weight": torch.ones(cross, **half),
        "image_proj.norm.bias": torch.zeros(cross, **half),
    }
    # diffusers numbers the cross-attention processors 1, 3, 5, ... in attn_processors order.
    cross_attention = [n for n in unet.attn_processors if n.endswith("attn2.processor")]
    for index, name in enumerate(cross_attention):
        to_k = unet.get_submodule(name.removesuffix(".processor")).to_k.weight
        for projection in ("to_k_ip", "to_v_ip"):
            tensors[f"ip_adapter.{2 * index + 1}.{projection}.weight"] = torch.randn(
                to_k.shape, **half
            )
    save_file({k: v.contiguous().cpu() for k, v in tensors.items()}, folder / IP_ADAPTER_WEIGHT)
    return path
