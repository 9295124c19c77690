"""Loading the diffusers SDXL ControlNet inpainting pipeline once, with the speed settings."""

from __future__ import annotations

import logging
from typing import Any

from core.generation import SCHEDULERS
from core.settings import SdxlSettings

log = logging.getLogger(__name__)

LIGHTNING_ADAPTER = "lightning"
RECOMPILE_LIMIT = 64
"""Graphs torch.compile may keep per code object. Every compiled block shares one forward, and
each of its guard sets (block width, a batch of one, the LoRA on or off, an IP-Adapter scale of 0)
is one graph: Dynamo's default of 8 turns the 9th into a hard error under fullgraph=True."""

LIGHTNING_SCHEDULER: tuple[str, dict[str, Any]] = (
    "EulerDiscreteScheduler",
    {"timestep_spacing": "trailing"},
)
"""The fast tier's: SDXL-Lightning is distilled for Euler with trailing timesteps."""


def control_kinds(settings: SdxlSettings) -> list[str]:
    """The ControlNets this worker loads, in pipeline order ("depth", "mlsd")."""
    kinds = []
    if settings.controlnet_depth_model:
        kinds.append("depth")
    if settings.controlnet_mlsd_model:
        kinds.append("mlsd")
    if not kinds:
        raise ValueError("set SDXL_CONTROLNET_DEPTH_MODEL and/or SDXL_CONTROLNET_MLSD_MODEL")
    return kinds


def resolve_device(name: str) -> str:
    """ "auto" is cuda when available, else cpu."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def resolve_dtype(name: str, device: str) -> Any:
    """The torch dtype; half precision only on a GPU (the CPU runs float32)."""
    import torch

    if not device.startswith("cuda"):
        return torch.float32
    return {"float16": torch.float16, "bfloat16": torch.bfloat16}.get(name, torch.float32)


def make_schedulers(config: Any) -> dict[str, Any]:
    """One scheduler per name, all from the base model's scheduler config."""
    import diffusers

    return {
        name: getattr(diffusers, cls).from_config(config, **overrides)
        for name, (cls, overrides) in {**SCHEDULERS, "lightning": LIGHTNING_SCHEDULER}.items()
    }


def fuse_attention(model: Any) -> None:
    """Fuse QKV projections of every Attention module (what UNet.fuse_qkv_projections does)."""
    from diffusers.models.attention_processor import Attention, FusedAttnProcessor2_0

    for module in model.modules():
        if isinstance(module, Attention):
            module.fuse_projections(fuse=True)
    model.set_attn_processor(FusedAttnProcessor2_0())


def compile_blocks(model: Any, settings: SdxlSettings) -> int:
    """Regional compilation: torch.compile each repeated transformer block, with dynamic shapes
    (one graph serves every photo size and batch above one); returns how many."""
    import torch

    config = torch._dynamo.config
    config.recompile_limit = max(config.recompile_limit, RECOMPILE_LIMIT)
    config.accumulated_recompile_limit = max(config.accumulated_recompile_limit, RECOMPILE_LIMIT)
    # The mode picks inductor's options; another backend refuses it.
    mode = {"mode": settings.compile_mode} if settings.compile_backend == "inductor" else {}
    blocks = [m for m in model.modules() if type(m).__name__ == "BasicTransformerBlock"]
    for block in blocks:
        block.compile(fullgraph=True, dynamic=True, backend=settings.compile_backend, **mode)
    return len(blocks)


def serve_compiled() -> None:
    """After the warm-up: run what has been compiled, and run a guard set the warm-up did not see
    eagerly (a slower job) instead of compiling in the middle of a job or failing it."""
    import torch

    torch.compiler.set_stance("eager_on_recompile")


def compiled_graphs() -> int:
    """Graphs torch.compile has made in this process so far."""
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"])


def load_base(pipeline_class: Any, settings: SdxlSettings, **kwargs: Any) -> Any:
    """The base pipeline in SDXL_VARIANT, or in its plain files when the repo lacks the variant."""
    if settings.variant:
        try:
            return pipeline_class.from_pretrained(
                settings.base_model, variant=settings.variant, **kwargs
            )
        except ValueError as exc:
            # diffusers 0.42.1 raises this before loading anything when no component has the
            # variant; with some components in the variant it already mixes variant and plain files.
            if f"`variant={settings.variant}`" not in str(exc):
                raise
            log.warning(
                "%s has no %s files; loading its full-precision files",
                settings.base_model,
                settings.variant,
            )
    return pipeline_class.from_pretrained(settings.base_model, **kwargs)


def load_model(model_class: Any, model_id: str, variant: str, **kwargs: Any) -> Any:
    """A diffusers model in the variant (fp16: half the download and load), else its plain files."""
    if variant:
        try:
            return model_class.from_pretrained(model_id, variant=variant, **kwargs)
        except OSError as exc:
            if f".{variant}." not in str(exc):
                raise
            log.warning("%s has no %s files; loading its full-precision files", model_id, variant)
    return model_class.from_pretrained(model_id, **kwargs)


def load_pipeline(settings: SdxlSettings, *, device: str, dtype: Any) -> Any:
    """Build the pipeline from the configured ids (HF cache or local dirs) and apply speed knobs."""
    import torch
    from diffusers import (
        AutoencoderKL,
        ControlNetModel,
        StableDiffusionXLControlNetInpaintPipeline,
    )

    models = {"depth": settings.controlnet_depth_model, "mlsd": settings.controlnet_mlsd_model}
    controlnets = [
        load_model(ControlNetModel, models[kind], settings.variant, dtype=dtype)
        for kind in control_kinds(settings)
    ]
    extra: dict[str, Any] = {}
    if settings.vae_model:
        extra["vae"] = load_model(AutoencoderKL, settings.vae_model, settings.variant, dtype=dtype)
    pipe = load_base(
        StableDiffusionXLControlNetInpaintPipeline,
        settings,
        controlnet=controlnets,
        dtype=dtype,
        add_watermarker=False,
        **extra,
    )
    pipe.set_progress_bar_config(disable=True)
    if settings.lightning_lora_model:
        pipe.load_lora_weights(
            settings.lightning_lora_model,
            weight_name=settings.lightning_lora_weight,
            adapter_name=LIGHTNING_ADAPTER,
        )
        pipe.disable_lora()
    if settings.ip_adapter_model:
        pipe.load_ip_adapter(
            settings.ip_adapter_model,
            subfolder=settings.ip_adapter_subfolder,
            weight_name=settings.ip_adapter_weight,
        )
    pipe.to(device)
    if settings.channels_last:
        for model in (pipe.unet, pipe.controlnet, pipe.vae):
            model.to(memory_format=torch.channels_last)
    if settings.fuse_qkv:
        # Fused to_qkv would bypass LoRA layers on to_q/to_k/to_v, and IP-Adapter replaces
        # the UNet's attention processors: fuse the UNet only when neither is loaded.
        unet = not (settings.lightning_lora_model or settings.ip_adapter_model)
        pipe.fuse_qkv_projections(unet=unet, vae=True)
        for net in pipe.controlnet.nets:
            fuse_attention(net)
    if settings.compile:
        compiled = compile_blocks(pipe.unet, settings)
        compiled += sum(compile_blocks(net, settings) for net in pipe.controlnet.nets)
        log.info("compiled %d transformer blocks", compiled)
    return pipe
