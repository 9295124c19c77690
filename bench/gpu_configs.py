"""Model configs for bench/gpu_models.py: the published checkpoints' shapes, and tiny ones with the
same topology (levels, transformer placement, VAE and ControlNet downscale factors), so the CPU dry
run traces the same regional-compile graphs as the GPU check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.tiny_adapters import TINY_ENCODER

_SDXL_COMMON: dict[str, Any] = {
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "block_out_channels": [320, 640, 1280],
    "layers_per_block": 2,
    "transformer_layers_per_block": [1, 2, 10],
    "attention_head_dim": [5, 10, 20],
    "cross_attention_dim": 2048,
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 256,
    "projection_class_embeddings_input_dim": 2816,
}
_TINY_COMMON: dict[str, Any] = {
    **_SDXL_COMMON,
    "block_out_channels": [32, 64, 128],
    "transformer_layers_per_block": [1, 2, 2],
    "attention_head_dim": [1, 2, 4],
    "cross_attention_dim": 64,  # the two tiny text encoders' 32 + 32
    "addition_time_embed_dim": 8,
    "projection_class_embeddings_input_dim": 6 * 8 + 32,
    "norm_num_groups": 8,
}
_UNET = {
    "in_channels": 9,
    "out_channels": 4,  # latents + mask + masked-image latents
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
}
SDXL_UNET: dict[str, Any] = {**_SDXL_COMMON, **_UNET, "sample_size": 128}
SDXL_CONTROLNET: dict[str, Any] = {
    **_SDXL_COMMON,
    "in_channels": 4,
    "conditioning_embedding_out_channels": [16, 32, 96, 256],
}
SDXL_VAE: dict[str, Any] = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "latent_channels": 4,
    "sample_size": 1024,
    "scaling_factor": 0.13025,
    "force_upcast": False,  # madebyollin/sdxl-vae-fp16-fix
}
_TEXT: dict[str, Any] = {
    "vocab_size": 49408,
    "max_position_embeddings": 77,
    "bos_token_id": 0,
    "eos_token_id": 1,
    "pad_token_id": 1,
}
CLIP_L: dict[str, Any] = {
    **_TEXT,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "projection_dim": 768,
    "hidden_act": "quick_gelu",
}
CLIP_BIG_G: dict[str, Any] = {
    **_TEXT,
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_attention_heads": 20,
    "num_hidden_layers": 32,
    "projection_dim": 1280,
    "hidden_act": "gelu",
}
CLIP_B32: dict[str, Any] = {
    # openai/clip-vit-base-patch32, the quality gate's default (SDXL_QUALITY_CLIP_MODEL).
    "text_config": {
        **_TEXT,
        "hidden_size": 512,
        "intermediate_size": 2048,
        "num_attention_heads": 8,
        "num_hidden_layers": 12,
        "hidden_act": "quick_gelu",
    },
    "vision_config": {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "image_size": 224,
        "patch_size": 32,
        "hidden_act": "quick_gelu",
    },
    "projection_dim": 512,
}
VIT_BIG_G: dict[str, Any] = {
    "hidden_size": 1664,
    "intermediate_size": 8192,
    "num_attention_heads": 16,
    "num_hidden_layers": 48,
    "image_size": 224,
    "patch_size": 14,
    "projection_dim": 1280,
    "hidden_act": "gelu",
}
_TINY_TEXT: dict[str, Any] = {
    **_TEXT,
    "vocab_size": 64,
    "hidden_size": 32,
    "intermediate_size": 37,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "projection_dim": 32,
    "hidden_act": "gelu",
}
_TINY_VISION = {k: v for k, v in TINY_ENCODER.items() if k != "projection_dim"}


@dataclass(frozen=True)
class ModelConfigs:
    """Every architecture one build of the check's models needs."""

    unet: dict[str, Any]
    controlnet: dict[str, Any]
    vae: dict[str, Any]
    clip_l: dict[str, Any]
    clip_big_g: dict[str, Any]
    upernet_backbone: dict[str, Any]
    upernet: dict[str, Any]
    segmenter_size: int
    dinov2: dict[str, Any]
    depth: dict[str, Any]
    depth_size: int
    ip_encoder: dict[str, Any]
    lora_rank: int
    gate_clip: dict[str, Any]
    gate_clip_size: int


FULL = ModelConfigs(
    unet=SDXL_UNET,
    controlnet=SDXL_CONTROLNET,
    vae=SDXL_VAE,
    clip_l=CLIP_L,
    clip_big_g=CLIP_BIG_G,
    # openmmlab/upernet-convnext-small
    upernet_backbone={"depths": [3, 3, 27, 3], "hidden_sizes": [96, 192, 384, 768]},
    upernet={"hidden_size": 512, "auxiliary_in_channels": 384},
    segmenter_size=512,
    # depth-anything/Depth-Anything-V2-Small-hf
    dinov2={
        "hidden_size": 384,
        "num_hidden_layers": 12,
        "num_attention_heads": 6,
        "image_size": 518,
        "patch_size": 14,
        "out_features": ["stage3", "stage6", "stage9", "stage12"],
    },
    depth={
        "reassemble_hidden_size": 384,
        "neck_hidden_sizes": [48, 96, 192, 384],
        "fusion_hidden_size": 64,
    },
    depth_size=518,
    ip_encoder=VIT_BIG_G,
    lora_rank=64,
    gate_clip=CLIP_B32,
    gate_clip_size=224,
)
TINY = ModelConfigs(
    unet={**_TINY_COMMON, **_UNET, "sample_size": 32},
    controlnet={
        **_TINY_COMMON,
        "in_channels": 4,
        "conditioning_embedding_out_channels": [8, 8, 16, 16],
    },
    vae={
        **SDXL_VAE,
        "block_out_channels": [16, 16, 32, 32],
        "layers_per_block": 1,
        "norm_num_groups": 8,
        "sample_size": 64,
    },
    clip_l=_TINY_TEXT,
    clip_big_g=_TINY_TEXT,
    upernet_backbone={"depths": [1, 1, 1, 1], "hidden_sizes": [8, 8, 16, 16]},
    upernet={
        "hidden_size": 16,
        "auxiliary_in_channels": 16,
        "auxiliary_channels": 8,
        "pool_scales": [1, 2],
    },
    segmenter_size=64,
    dinov2={
        "hidden_size": 16,
        "num_hidden_layers": 4,
        "num_attention_heads": 2,
        "intermediate_size": 32,
        "image_size": 28,
        "patch_size": 14,
        "out_features": ["stage1", "stage2", "stage3", "stage4"],
    },
    depth={
        "reassemble_hidden_size": 16,
        "neck_hidden_sizes": [8, 8, 16, 16],
        "fusion_hidden_size": 8,
        "head_hidden_size": 8,
    },
    depth_size=28,
    ip_encoder=TINY_ENCODER,
    lora_rank=4,
    gate_clip={
        "text_config": {
            **_TINY_TEXT,
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_attention_heads": 2,
        },
        "vision_config": _TINY_VISION,
        "projection_dim": 16,
    },
    gate_clip_size=32,
)
