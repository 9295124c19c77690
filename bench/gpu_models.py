"""Random-weight models saved in the published layouts, for bench/gpu_check.py: tiny or full size.

Full size uses the real architectures (SDXL inpainting UNet, depth ControlNet, VAE, both CLIP text
encoders, UperNet-ConvNeXt-small, Depth-Anything-V2-Small, IP-Adapter with its ViT-bigG image
encoder, a rank-64 Lightning-style LoRA, the quality gate's CLIP ViT-B/32); only the tokenizers are
tiny, which changes no timing because prompts are padded to 77 tokens either way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import gpu_configs as cfg
from tests.support import tiny_adapters, tiny_models
from tests.support.tiny_clip import tiny_clip

CLIP_L: dict[str, Any] = {"hidden_size": 768, "intermediate_size": 3072,
                          "num_attention_heads": 12, "num_hidden_layers": 12,
                          "projection_dim": 768, "hidden_act": "quick_gelu"}  # fmt: skip
CLIP_BIG_G: dict[str, Any] = {"hidden_size": 1280, "intermediate_size": 5120,
                              "num_attention_heads": 20, "num_hidden_layers": 32,
                              "projection_dim": 1280, "hidden_act": "gelu"}  # fmt: skip
VIT_BIG_G = {"hidden_size": 1664, "intermediate_size": 8192, "num_attention_heads": 16,
             "num_hidden_layers": 48, "image_size": 224, "patch_size": 14,
             "projection_dim": 1280, "hidden_act": "gelu"}  # fmt: skip
LIGHTNING_RANK = 64


def _save(model: Any, path: Path) -> None:
    import torch

    model.to(torch.float16).save_pretrained(path)


def _full_base(base: Path, device: str) -> None:
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    with torch.device(device):
        _save(UNet2DConditionModel(**cfg.SDXL_UNET), base / "unet")
        _save(AutoencoderKL(**cfg.SDXL_VAE), base / "vae")
        text: dict[str, Any] = {"vocab_size": 49408, "max_position_embeddings": 77,
                                "bos_token_id": 0, "eos_token_id": 1,
                                "pad_token_id": 1}  # fmt: skip
        _save(CLIPTextModel(CLIPTextConfig(**CLIP_L, **text)), base / "text_encoder")
        _save(
            CLIPTextModelWithProjection(CLIPTextConfig(**CLIP_BIG_G, **text)),
            base / "text_encoder_2",
        )
    tiny_models.save_tokenizer(base / "tokenizer", "<|endoftext|>")
    tiny_models.save_tokenizer(base / "tokenizer_2", "!")
    tiny_models.save_scheduler(base)


def _full_vision(root: Path, device: str) -> None:
    import torch
    from transformers import (
        ConvNextConfig,
        DepthAnythingConfig,
        DepthAnythingForDepthEstimation,
        Dinov2Config,
        UperNetConfig,
        UperNetForSemanticSegmentation,
    )
    from transformers.models.dpt import DPTImageProcessor

    from worker.vision.ade20k import ADE20K_LABELS

    labels = dict(enumerate(ADE20K_LABELS))
    backbone = ConvNextConfig(
        depths=[3, 3, 27, 3],
        hidden_sizes=[96, 192, 384, 768],
        out_features=["stage1", "stage2", "stage3", "stage4"],  # type: ignore[call-arg]  # transformers reads it from **kwargs
    )
    segmenter = UperNetConfig(
        backbone_config=backbone,
        hidden_size=512,
        auxiliary_in_channels=384,
        num_labels=150,  # type: ignore[call-arg]  # transformers reads it from **kwargs
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    dinov2 = Dinov2Config(
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=6,
        image_size=518,
        patch_size=14,
        out_features=["stage3", "stage6", "stage9", "stage12"],  # type: ignore[call-arg]  # transformers reads it from **kwargs
        reshape_hidden_states=False,
    )
    depth = DepthAnythingConfig(
        backbone_config=dinov2,
        reassemble_hidden_size=384,
        neck_hidden_sizes=[48, 96, 192, 384],
        fusion_hidden_size=64,
    )
    with torch.device(device):
        # Every pixel is floor: random weights find none, and a whole-photo mask is the worst case.
        tiny_models.save_segmenter(
            UperNetForSemanticSegmentation(segmenter), root / "upernet", "floor", size=512
        )
        DepthAnythingForDepthEstimation(depth).save_pretrained(root / "depth")
    DPTImageProcessor(
        size={"height": 518, "width": 518}, keep_aspect_ratio=True, ensure_multiple_of=14
    ).save_pretrained(root / "depth")


def _full_clip(path: Path, device: str) -> None:
    """The quality gate's CLIP in the published layout (fp32, as openai/clip-vit-base-patch32)."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    with torch.device(device):
        CLIPModel(CLIPConfig(**cfg.CLIP_B32)).save_pretrained(path)
    tiny_models.save_tokenizer(path, "<|endoftext|>")
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(), tokenizer=CLIPTokenizer.from_pretrained(path)
    )
    processor.save_pretrained(path)


def save_models(root: Path, *, smoke: bool, device: str) -> dict[str, Any]:
    """Build and save every model under root; returns the SdxlSettings fields that point at them."""
    import torch

    torch.manual_seed(0)
    if smoke:
        models = tiny_models.build_tiny_models(root)
        tiny_models.upernet(models.segmentation, force="floor")
        tiny_clip(root / "clip")
        paths = {"base": models.base, "controlnet": models.controlnet_depth,
                 "segmentation": models.segmentation, "depth": models.depth}  # fmt: skip
    else:
        from diffusers import ControlNetModel

        paths = {"base": root / "sdxl-inpaint", "controlnet": root / "controlnet-depth",
                 "segmentation": root / "upernet", "depth": root / "depth"}  # fmt: skip
        _full_base(paths["base"], device)
        with torch.device(device):
            ControlNetModel(**cfg.SDXL_CONTROLNET).to(torch.float16).save_pretrained(
                paths["controlnet"], variant="fp16"
            )
        _full_vision(root, device)
        _full_clip(root / "clip", device)
    lora = tiny_adapters.lightning_lora(
        root / "lightning", paths["base"], rank=4 if smoke else LIGHTNING_RANK
    )
    ip = tiny_adapters.ip_adapter(
        root / "ip-adapter", paths["base"], encoder=None if smoke else VIT_BIG_G
    )
    fields = {
        "base_model": str(paths["base"]),
        "vae_model": "",
        "variant": "fp16",
        "controlnet_depth_model": str(paths["controlnet"]),
        "controlnet_mlsd_model": "",
        "segmentation_model": str(paths["segmentation"]),
        "depth_model": str(paths["depth"]),
        "lightning_lora_model": str(lora),
        "lightning_lora_weight": tiny_adapters.LORA_WEIGHT,
        "ip_adapter_model": str(ip),
        "ip_adapter_subfolder": tiny_adapters.IP_ADAPTER_SUBFOLDER,
        "ip_adapter_weight": tiny_adapters.IP_ADAPTER_WEIGHT,
        "quality_clip_model": str(root / "clip"),
    }
    (root / "settings.json").write_text(json.dumps(fields))
    return fields
