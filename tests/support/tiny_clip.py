"""A tiny random-weight CLIP (model, tokenizer and image processor) saved to a directory."""

from __future__ import annotations

from pathlib import Path

from tests.support.tiny_models import save_tokenizer


def tiny_clip(path: Path) -> Path:
    """Save a CLIPModel and CLIPProcessor small enough to build in a second."""
    import torch
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        CLIPProcessor,
        CLIPTokenizer,
    )

    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={
            "vocab_size": 64,
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 77,
            # The tiny vocabulary's ids (see tiny_models.save_tokenizer): CLIP pools at the eos.
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(path)
    save_tokenizer(path, "<|endoftext|>")
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size=32),
        tokenizer=CLIPTokenizer.from_pretrained(path),
    )
    processor.save_pretrained(path)
    return path
