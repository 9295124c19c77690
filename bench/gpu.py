"""GPU benchmark of the sdxl staging pipeline: random-weight SDXL inpaint UNet + ControlNet + VAE.

Usage: python bench/gpu.py [--smoke] [--json PATH]; without CUDA it runs the tiny smoke setup.
Text encoders are not built: random prompt embeddings of SDXL's shapes stand in for them.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import gpu_configs as cfg
from worker.generators.sdxl_pipeline import compile_blocks, fuse_attention

FULL = {"width": 1024, "height": 768, "steps": 30, "variants": (1, 4)}
SMOKE = {"width": 64, "height": 48, "steps": 3, "variants": (1, 2)}


@dataclass
class Row:
    """One measured configuration."""

    name: str
    variants: int
    seconds_per_image: float
    denoise_it_per_s: float
    peak_memory_gb: float
    tflops: float


def build_pipeline(device: str, dtype: Any, *, smoke: bool, optimised: bool) -> Any:
    """Random-weight components assembled into the production pipeline class."""
    import torch
    from diffusers import (
        AutoencoderKL,
        ControlNetModel,
        EulerDiscreteScheduler,
        StableDiffusionXLControlNetInpaintPipeline,
        UNet2DConditionModel,
    )

    torch.manual_seed(0)
    with torch.device(device):
        unet = UNet2DConditionModel(**(cfg.TINY_UNET if smoke else cfg.SDXL_UNET))
        controlnet = ControlNetModel(**(cfg.TINY_CONTROLNET if smoke else cfg.SDXL_CONTROLNET))
        vae = AutoencoderKL(**(cfg.TINY_VAE if smoke else cfg.SDXL_VAE))
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1
    )
    pipe = StableDiffusionXLControlNetInpaintPipeline(
        vae=vae,
        text_encoder=None,
        text_encoder_2=None,
        tokenizer=None,
        tokenizer_2=None,
        unet=unet,
        controlnet=[controlnet],
        scheduler=scheduler,
        add_watermarker=False,
    ).to(device, dtype)
    pipe.set_progress_bar_config(disable=True)
    if optimised:
        for model in (pipe.unet, pipe.controlnet, pipe.vae):
            model.to(memory_format=torch.channels_last)
        pipe.fuse_qkv_projections()
        fuse_attention(controlnet)
        if device == "cuda":
            compile_blocks(pipe.unet, "default")
            compile_blocks(controlnet, "default")
    return pipe


def embeddings(variants: int, device: str, dtype: Any, *, smoke: bool) -> dict[str, Any]:
    """Random prompt embeddings of the shapes SDXL's two text encoders produce."""
    import torch

    text = cfg.TINY_TEXT if smoke else cfg.SDXL_TEXT
    g = torch.Generator("cpu").manual_seed(0)

    def rand(*shape: int) -> Any:
        return torch.randn(*shape, generator=g).to(device, dtype)

    return {
        "prompt_embeds": rand(variants, 77, text["hidden"]),
        "negative_prompt_embeds": rand(variants, 77, text["hidden"]),
        "pooled_prompt_embeds": rand(variants, text["pooled"]),
        "negative_pooled_prompt_embeds": rand(variants, text["pooled"]),
    }


def generate(pipe: Any, shape: dict, variants: int, device: str, dtype: Any, smoke: bool) -> dict:
    """One timed generation; returns seconds, denoising it/s and peak memory."""
    import torch
    from PIL import Image

    width, height, steps = shape["width"], shape["height"], shape["steps"]
    image = Image.new("RGB", (width, height), (180, 170, 160))
    mask = Image.new("L", (width, height), 0)
    mask.paste(255, (0, height // 2, width, height))
    stamps: list[float] = []

    def on_step(pipe: Any, step: int, timestep: Any, tensors: dict) -> dict:
        if step in (0, steps - 1):
            _sync(device)
            stamps.append(time.perf_counter())
        return {}

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    _sync(device)
    start = time.perf_counter()
    pipe(
        image=image,
        mask_image=mask,
        control_image=[image],
        height=height,
        width=width,
        strength=1.0,
        num_inference_steps=steps,
        guidance_scale=5.0,
        generator=[torch.Generator("cpu").manual_seed(i) for i in range(variants)],
        callback_on_step_end=on_step,
        output_type="pil",
        **embeddings(variants, device, dtype, smoke=smoke),
    )
    _sync(device)
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else 0.0
    rate = (steps - 1) / (stamps[-1] - stamps[0]) if len(stamps) == 2 else 0.0
    return {"seconds": seconds, "it_per_s": rate, "peak_gb": peak}


def step_flops(pipe: Any, shape: dict, variants: int, device: str, dtype: Any, smoke: bool) -> int:
    """FLOPs of one denoising step (ControlNet + UNet, guidance batch), by FlopCounterMode."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    text = cfg.TINY_TEXT if smoke else cfg.SDXL_TEXT
    batch = 2 * variants
    factor = pipe.vae_scale_factor
    h, w = shape["height"] // factor, shape["width"] // factor
    latents = torch.randn(batch, 4, h, w, device=device, dtype=dtype)
    cond = {
        "encoder_hidden_states": torch.randn(batch, 77, text["hidden"], device=device, dtype=dtype),
        "added_cond_kwargs": {
            "text_embeds": torch.randn(batch, text["pooled"], device=device, dtype=dtype),
            "time_ids": torch.zeros(batch, text["time_ids"], device=device, dtype=dtype),
        },
    }
    control = torch.zeros(batch, 3, shape["height"], shape["width"], device=device, dtype=dtype)
    t = torch.tensor(500, device=device)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        down, mid = pipe.controlnet(
            latents,
            t,
            controlnet_cond=[control],
            conditioning_scale=[1.0],
            return_dict=False,
            **cond,
        )
        unet_in = torch.cat([latents, latents[:, :1], latents], dim=1)
        pipe.unet(
            unet_in,
            t,
            down_block_additional_residuals=down,
            mid_block_additional_residual=mid,
            return_dict=False,
            **cond,
        )
    return counter.get_total_flops()


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def measure(name: str, optimised: bool, shape: dict, device: str, dtype: Any, smoke: bool) -> tuple:
    """Cold start (build + first image), then timed runs per variant count."""
    start = time.perf_counter()
    pipe = build_pipeline(device, dtype, smoke=smoke, optimised=optimised)
    generate(pipe, shape, 1, device, dtype, smoke)
    cold = time.perf_counter() - start
    rows = []
    for variants in shape["variants"]:
        generate(pipe, shape, variants, device, dtype, smoke)  # warm-up for this batch size
        run = generate(pipe, shape, variants, device, dtype, smoke)
        flops = step_flops(pipe, shape, variants, device, dtype, smoke)
        tflops = flops * run["it_per_s"] / 1e12
        rows.append(
            Row(name, variants, run["seconds"] / variants, run["it_per_s"], run["peak_gb"], tflops)
        )
    del pipe
    gc.collect()
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
    return rows, cold


def main(argv: list[str] | None = None) -> int:
    """Run baseline and optimised configurations and print one table."""
    import diffusers
    import torch

    diffusers.utils.logging.set_verbosity_error()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny models (automatic without CUDA)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    smoke = args.smoke or not torch.cuda.is_available()
    device = "cuda" if torch.cuda.is_available() and not smoke else "cpu"
    dtype = torch.float16 if device == "cuda" else torch.float32
    shape = SMOKE if smoke else FULL
    baseline, cold_base = measure("baseline", False, shape, device, dtype, smoke)
    ours, cold_ours = measure("stagewright", True, shape, device, dtype, smoke)
    where = torch.cuda.get_device_name() if device == "cuda" else "cpu (smoke)"
    print(f"device: {where}  size: {shape['width']}x{shape['height']}  steps: {shape['steps']}")
    print(f"{'config':12} {'variants':>8} {'s/image':>9} {'it/s':>8} {'peak GB':>8} {'TFLOP/s':>8}")
    for row in baseline + ours:
        print(
            f"{row.name:12} {row.variants:8d} {row.seconds_per_image:9.3f} "
            f"{row.denoise_it_per_s:8.2f} {row.peak_memory_gb:8.2f} {row.tflops:8.2f}"
        )
    speedups = [
        b.seconds_per_image / o.seconds_per_image for b, o in zip(baseline, ours, strict=True)
    ]
    print(f"cold start to first image: baseline {cold_base:.1f} s, stagewright {cold_ours:.1f} s")
    print("speed-up vs baseline: " + ", ".join(
        f"{row.variants} variants {s:.2f}x" for row, s in zip(ours, speedups, strict=True)
    ))  # fmt: skip
    if args.json:
        figures = {
            "device": where,
            "shape": {k: v for k, v in shape.items() if k != "variants"},
            "rows": [asdict(row) for row in baseline + ours],
            "cold_start_s": {"baseline": cold_base, "stagewright": cold_ours},
            "speedup": speedups,
        }
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
