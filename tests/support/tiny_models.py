"""Tiny random-weight SDXL, ControlNet, segmentation, depth and MLSD models saved to a directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from worker.vision.ade20k import ADE20K_LABELS

TEXT_HIDDEN = 32


@dataclass(frozen=True)
class TinyModels:
    """Local paths usable as model ids in SdxlSettings."""

    base: Path
    controlnet_depth: Path
    controlnet_mlsd: Path
    segmentation: Path
    depth: Path
    mlsd: Path


def save_tokenizer(path: Path, pad_token: str) -> None:
    """A CLIPTokenizer with a 37-token vocabulary (lower-case letters and a few merges)."""
    from transformers import CLIPTokenizer

    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens = ["<|startoftext|>", "<|endoftext|>", "!", *letters, *(f"{c}</w>" for c in letters)]
    tokens += ["th", "the</w>", "in", "ro", "om</w>"]
    merges = [("t", "h"), ("th", "e</w>"), ("i", "n"), ("r", "o"), ("o", "m</w>")]
    tokenizer = CLIPTokenizer(
        vocab={t: i for i, t in enumerate(tokens)},
        merges=merges,  # type: ignore[arg-type]  # typed as strings; tokenizers' BPE takes pairs
        pad_token=pad_token,
    )
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(path)


def _text_encoders(base: Path) -> None:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=TEXT_HIDDEN,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=64,
        hidden_act="gelu",
        projection_dim=TEXT_HIDDEN,
    )
    CLIPTextModel(config).save_pretrained(base / "text_encoder")
    CLIPTextModelWithProjection(config).save_pretrained(base / "text_encoder_2")
    save_tokenizer(base / "tokenizer", "<|endoftext|>")
    save_tokenizer(base / "tokenizer_2", "!")


def _unet_kwargs() -> dict:
    return {
        "block_out_channels": (32, 64),
        "layers_per_block": 1,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
        "attention_head_dim": (2, 4),
        "use_linear_projection": True,
        "addition_embed_type": "text_time",
        "addition_time_embed_dim": 8,
        "transformer_layers_per_block": (1, 1),
        "projection_class_embeddings_input_dim": 6 * 8 + TEXT_HIDDEN,
        "cross_attention_dim": 2 * TEXT_HIDDEN,
        "norm_num_groups": 8,
    }


MODEL_INDEX = """{"_class_name": "StableDiffusionXLInpaintPipeline", "_diffusers_version": "0.42.1",
"force_zeros_for_empty_prompt": true, "requires_aesthetics_score": false,
"scheduler": ["diffusers", "EulerDiscreteScheduler"],
"text_encoder": ["transformers", "CLIPTextModel"],
"text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
"tokenizer": ["transformers", "CLIPTokenizer"],
"tokenizer_2": ["transformers", "CLIPTokenizer"],
"unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}"""


def save_scheduler(base: Path) -> None:
    """SDXL's Euler scheduler config and the pipeline's model_index.json."""
    from diffusers import EulerDiscreteScheduler

    EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="leading",
        steps_offset=1,
    ).save_pretrained(base / "scheduler")
    (base / "model_index.json").write_text(MODEL_INDEX)


def _sdxl_inpaint(base: Path) -> None:
    from diffusers import AutoencoderKL, UNet2DConditionModel

    UNet2DConditionModel(
        sample_size=32,
        in_channels=9,
        out_channels=4,
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        **_unet_kwargs(),
    ).save_pretrained(base / "unet")
    AutoencoderKL(
        block_out_channels=(16, 32),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=8,
        force_upcast=False,
        sample_size=64,
    ).save_pretrained(base / "vae")
    _text_encoders(base)
    save_scheduler(base)


def _controlnet(path: Path) -> None:
    from diffusers import ControlNetModel

    ControlNetModel(
        in_channels=4, conditioning_embedding_out_channels=(8, 16), **_unet_kwargs()
    ).save_pretrained(path)


def ade_id2label(order: list[str] | None = None) -> dict[int, str]:
    """An ADE20K-style id2label, optionally in another order (names are what count)."""
    return dict(enumerate(order or ADE20K_LABELS))


def _labels(id2label: dict[int, str] | None) -> dict:
    id2label = id2label or ade_id2label()
    return {
        "num_labels": len(id2label),
        "id2label": id2label,
        "label2id": {v: k for k, v in id2label.items()},
    }


def save_segmenter(model, path: Path, force: str, size: int = 64) -> None:
    """Save model and an ADE-style image processor; with force, every pixel favours that class."""
    import torch
    from transformers.models.segformer import SegformerImageProcessor

    if force:
        with torch.no_grad():
            model.decode_head.classifier.weight.zero_()
            model.decode_head.classifier.bias.zero_()
            model.decode_head.classifier.bias[model.config.label2id[force]] = 10.0
    model.save_pretrained(path)
    SegformerImageProcessor(size={"height": size, "width": size}).save_pretrained(path)


def segformer(path: Path, *, id2label: dict[int, str] | None = None, force: str = "") -> None:
    """A tiny SegFormer (the NVIDIA ADE20K checkpoints' architecture)."""
    from transformers import SegformerConfig, SegformerForSemanticSegmentation

    config = SegformerConfig(
        num_encoder_blocks=2,
        depths=[1, 1],
        sr_ratios=[2, 1],
        hidden_sizes=[8, 16],
        patch_sizes=[7, 3],
        strides=[4, 2],
        num_attention_heads=[1, 2],
        mlp_ratios=[2, 2],
        decoder_hidden_size=16,
        **_labels(id2label),
    )
    save_segmenter(SegformerForSemanticSegmentation(config), path, force)


def upernet(path: Path, *, id2label: dict[int, str] | None = None, force: str = "") -> None:
    """A tiny UperNet on a ConvNeXt backbone (openmmlab/upernet-convnext-*'s architecture)."""
    from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation

    backbone = ConvNextConfig(
        num_stages=4,
        hidden_sizes=[8, 8, 16, 16],
        depths=[1, 1, 1, 1],
        out_features=["stage1", "stage2", "stage3", "stage4"],  # type: ignore[call-arg]  # transformers reads it from **kwargs
    )
    config = UperNetConfig(
        backbone_config=backbone,
        hidden_size=16,
        pool_scales=[1, 2],
        use_auxiliary_head=True,
        auxiliary_in_channels=16,
        auxiliary_channels=8,
        **_labels(id2label),
    )
    save_segmenter(UperNetForSemanticSegmentation(config), path, force)


def dpt(path: Path) -> None:
    """A tiny DPT depth model."""
    from transformers import DPTConfig, DPTForDepthEstimation
    from transformers.models.dpt import DPTImageProcessor

    config = DPTConfig(
        image_size=32,
        patch_size=8,
        hidden_size=16,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=32,
        backbone_out_indices=[0, 1, 2, 3],
        neck_hidden_sizes=[8, 8, 16, 16],
        fusion_hidden_size=16,
        head_in_index=-1,
        is_hybrid=False,
    )
    DPTForDepthEstimation(config).save_pretrained(path)
    DPTImageProcessor(size={"height": 32, "width": 32}, keep_aspect_ratio=False).save_pretrained(
        path
    )


def mlsd(path: Path) -> None:
    """The MLSD net of controlnet_aux with random weights, saved where from_pretrained looks."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from controlnet_aux.mlsd.models.mbv2_mlsd_large import MobileV2_MLSD_Large

    from worker.vision.control import MLSD_WEIGHTS

    path.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    torch.save(MobileV2_MLSD_Large().state_dict(), path / MLSD_WEIGHTS)


def build_tiny_models(root: Path) -> TinyModels:
    """Build and save every tiny model under root; deterministic for a given torch seed."""
    import torch

    torch.manual_seed(0)
    models = TinyModels(
        base=root / "sdxl-inpaint",
        controlnet_depth=root / "controlnet-depth",
        controlnet_mlsd=root / "controlnet-mlsd",
        segmentation=root / "upernet",
        depth=root / "dpt",
        mlsd=root / "mlsd",
    )
    _sdxl_inpaint(models.base)
    _controlnet(models.controlnet_depth)
    _controlnet(models.controlnet_mlsd)
    upernet(models.segmentation)
    dpt(models.depth)
    mlsd(models.mlsd)
    return models
