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
CLIP_B32: dict[str, Any] = {
    # openai/clip-vit-base-patch32, the quality gate's default (SDXL_QUALITY_CLIP_MODEL).
    "text_config": {"hidden_size": 512, "intermediate_size": 2048, "num_attention_heads": 8,
                    "num_hidden_layers": 12, "max_position_embeddings": 77, "vocab_size": 49408,
                    "hidden_act": "quick_gelu", "bos_token_id": 0, "eos_token_id": 1,
                    "pad_token_id": 1},
    "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
                      "num_hidden_layers": 12, "image_size": 224, "patch_size": 32,
                      "hidden_act": "quick_gelu"},
    "projection_dim": 512,
}  # fmt: skip
