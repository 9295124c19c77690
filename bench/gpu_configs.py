"""Full-size SDXL model configs for bench/gpu_models.py: the published checkpoints' shapes."""

from __future__ import annotations

from typing import Any

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
SDXL_UNET: dict[str, Any] = {
    **_SDXL_COMMON,
    "sample_size": 128,
    "in_channels": 9,  # the inpainting UNet: latents + mask + masked-image latents
    "out_channels": 4,
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
}
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
