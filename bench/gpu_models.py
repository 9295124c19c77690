"""Random-weight models saved exactly as their published repos hold them, for bench/gpu_check.py.

One set of save calls builds both the full-size models (bench/gpu_configs.FULL) and the CPU dry
run's tiny ones (TINY): the same file names, variants, dtypes and subfolders, which are the files
`worker.py download-models` fetches (the base and the depth ControlNet as their fp16 variant only,
the fp16-fix VAE as plain fp32 files, the segmenter as a pickle `pytorch_model.bin`, the
IP-Adapter's encoder under `sdxl_models/image_encoder`, the LoRA under the default weight name), so
a loading bug such as a variant the loader does not ask for fails the dry run too. Only the
tokenizers are tiny in both (prompts are padded to 77 tokens either way).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.gpu_configs import ModelConfigs
from core.settings import SdxlSettings
from tests.support import tiny_adapters, tiny_models

VARIANT = "fp16"
SETTINGS_FILE = "settings.json"


def _half(model: Any, path: Path) -> None:
    """An fp16 variant only (`*.fp16.safetensors`), as the hub repos the worker downloads."""
    import torch

    model.to(torch.float16).save_pretrained(path, variant=VARIANT)


def _base(base: Path, configs: ModelConfigs) -> Any:
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    unet = UNet2DConditionModel(**configs.unet)
    _half(unet, base / "unet")
    _half(AutoencoderKL(**configs.vae), base / "vae")
    _half(CLIPTextModel(CLIPTextConfig(**configs.clip_l)), base / "text_encoder")
    encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**configs.clip_big_g))
    _half(encoder_2, base / "text_encoder_2")
    tiny_models.save_tokenizer(base / "tokenizer", "<|endoftext|>")
    tiny_models.save_tokenizer(base / "tokenizer_2", "!")
    tiny_models.save_scheduler(base)
    return unet


def segmenter_model(configs: ModelConfigs) -> Any:
    """UperNet on ConvNeXt with ADE20K's 150 labels (openmmlab/upernet-convnext-*)."""
    from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation

    from worker.vision.ade20k import ADE20K_LABELS

    labels = dict(enumerate(ADE20K_LABELS))
    backbone = ConvNextConfig(
        **configs.upernet_backbone,
        out_features=["stage1", "stage2", "stage3", "stage4"],  # type: ignore[call-arg]  # transformers reads it from **kwargs
    )
    config = UperNetConfig(
        backbone_config=backbone,
        **configs.upernet,
        num_labels=150,  # type: ignore[call-arg]  # transformers reads it from **kwargs
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    return UperNetForSemanticSegmentation(config)


def depth_model(configs: ModelConfigs) -> Any:
    """Depth-Anything-V2 on a DINOv2 backbone."""
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config

    dinov2 = Dinov2Config(**configs.dinov2, reshape_hidden_states=False)
    return DepthAnythingForDepthEstimation(
        DepthAnythingConfig(backbone_config=dinov2, **configs.depth)
    )


def _segmenter(path: Path, configs: ModelConfigs) -> None:
    """The segmenter, its classifier forced to "floor" (the whole photo is staged: the largest
    crop), saved as openmmlab's repos are: config, preprocessor and only `pytorch_model.bin`."""
    import torch

    model = segmenter_model(configs)
    tiny_models.save_segmenter(model, path, "floor", size=configs.segmenter_size)
    (path / "model.safetensors").unlink()
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, path / "pytorch_model.bin")


def _depth(path: Path, configs: ModelConfigs) -> None:
    """The depth model (fp32 `model.safetensors`, as published) and its DPT processor."""
    from transformers.models.dpt import DPTImageProcessor

    depth_model(configs).save_pretrained(path)
    size = configs.depth_size
    DPTImageProcessor(
        size={"height": size, "width": size}, keep_aspect_ratio=True, ensure_multiple_of=14
    ).save_pretrained(path)


def _gate_clip(path: Path, configs: ModelConfigs) -> None:
    """The quality gate's CLIP as openai/clip-vit-base-patch32 holds it: fp32 weights, the image
    processor's preprocessor_config.json, the tokenizer."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    CLIPModel(CLIPConfig(**configs.gate_clip)).save_pretrained(path)
    tiny_models.save_tokenizer(path, "<|endoftext|>")
    size = configs.gate_clip_size
    CLIPImageProcessor(size={"shortest_edge": size}, crop_size=size).save_pretrained(path)


def save_models(root: Path, configs: ModelConfigs, *, device: str) -> dict[str, str]:
    """Build every model under root (initialised on device); returns the SdxlSettings model ids
    that point at them, every other setting at production's default."""
    import torch
    from diffusers import AutoencoderKL, ControlNetModel

    torch.manual_seed(0)
    defaults = SdxlSettings()
    names = ("sdxl-inpaint", "vae", "controlnet-depth", "upernet", "depth", "clip", "lightning")
    paths = {name: root / name for name in (*names, "ip-adapter")}
    with torch.device(device):
        unet = _base(paths["sdxl-inpaint"], configs)
        AutoencoderKL(**configs.vae).save_pretrained(paths["vae"])
        _half(ControlNetModel(**configs.controlnet), paths["controlnet-depth"])
        _segmenter(paths["upernet"], configs)
        _depth(paths["depth"], configs)
        _gate_clip(paths["clip"], configs)
    tiny_adapters.ip_adapter(paths["ip-adapter"], unet, encoder=configs.ip_encoder)
    tiny_adapters.lightning_lora(  # last: it adds the adapter to unet
        paths["lightning"], unet, rank=configs.lora_rank, weight_name=defaults.lightning_lora_weight
    )
    fields = {
        "base_model": str(paths["sdxl-inpaint"]),
        "vae_model": str(paths["vae"]),
        "controlnet_depth_model": str(paths["controlnet-depth"]),
        "segmentation_model": str(paths["upernet"]),
        "depth_model": str(paths["depth"]),
        "quality_clip_model": str(paths["clip"]),
        "lightning_lora_model": str(paths["lightning"]),
        "ip_adapter_model": str(paths["ip-adapter"]),
    }
    (root / SETTINGS_FILE).write_text(json.dumps(fields))
    return fields
