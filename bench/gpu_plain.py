"""Plain diffusers for the GPU check's ratio: the same pipeline class and saved files, loaded the
way its model cards say (fp16 variant and dtype), with none of our optimisations."""

from __future__ import annotations

import time
from typing import Any

from core.settings import SdxlSettings

PROMPT = "a living room with a sofa, coffee table and rug"


def sync(device: str) -> None:
    """Wait for the GPU (no-op on the CPU), so wall times are true."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def plain_seconds(
    s: SdxlSettings, device: str, size: tuple[int, int], variants: int, steps: int
) -> float:
    """Seconds per image of plain diffusers' generation at one shape (standard tier), warm."""
    import torch
    from diffusers import ControlNetModel, StableDiffusionXLControlNetInpaintPipeline
    from PIL import Image

    dtype = torch.float16 if device.startswith("cuda") else torch.float32
    controlnet = ControlNetModel.from_pretrained(
        s.controlnet_depth_model, variant=s.variant, dtype=dtype
    )
    pipe = StableDiffusionXLControlNetInpaintPipeline.from_pretrained(
        s.base_model, controlnet=[controlnet], variant=s.variant, dtype=dtype
    ).to(device)
    pipe.set_progress_bar_config(disable=True)
    image = Image.new("RGB", size, (150, 120, 90))
    kwargs: dict[str, Any] = {
        "prompt": PROMPT,
        "image": image,
        "mask_image": Image.new("L", size, 255),
        "control_image": [image],
        "width": size[0],
        "height": size[1],
        "num_inference_steps": steps,
        "guidance_scale": s.guidance_scale,
        "strength": s.strength,
        "num_images_per_prompt": variants,
    }
    pipe(**kwargs)  # warm-up: kernels chosen, memory allocated
    sync(device)
    start = time.perf_counter()
    pipe(**kwargs)
    sync(device)
    return (time.perf_counter() - start) / variants
