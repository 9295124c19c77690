"""Per-job adapter state of the sdxl pipeline: the fast-tier LoRA switch, IP-Adapter embeddings."""

from __future__ import annotations

import hashlib
from typing import Any

from PIL import Image

from core.settings import SdxlSettings
from worker.generators.base import GenerationRequest
from worker.generators.sdxl_params import JobParams
from worker.generators.sdxl_pipeline import LIGHTNING_ADAPTER


def style_layers(unet: Any, scale: float) -> dict[str, Any]:
    """IP-Adapter scales for the style layer only (InstantStyle): the second transformer of the
    first up block carries style; the others, which carry the reference room's layout, get 0."""
    layers = [0.0] * len(unet.up_blocks[0].attentions)
    layers[1] = scale
    return {"up": {"block_0": layers}}


class Adapters:
    """Turns the Lightning LoRA on or off per job and caches IP-Adapter image embeddings."""

    def __init__(self, pipe: Any, settings: SdxlSettings, *, device: str) -> None:
        self.pipe = pipe
        self.settings = settings
        self.device = device
        self.ip_embeds: dict[tuple[str, str, bool], Any] = {}

    def prepare(self, request: GenerationRequest, params: JobParams) -> dict[str, Any]:
        """Set this job's LoRA and IP-Adapter state; returns the extra pipeline arguments."""
        if self.settings.lightning_lora_model:
            if params.fast_tier:
                self.pipe.enable_lora()
                self.pipe.set_adapters([LIGHTNING_ADAPTER])
            else:
                self.pipe.disable_lora()
        if not self.settings.ip_adapter_model:
            return {}
        return {"ip_adapter_image_embeds": self._ip_embeds(request, params)}

    def _ip_embeds(self, request: GenerationRequest, params: JobParams) -> Any:
        """IP-Adapter embeddings of the style's first reference image, cached per slug and image."""
        scale = params.ip_adapter_scale if request.reference_images else 0.0
        self.pipe.set_ip_adapter_scale(
            style_layers(self.pipe.unet, scale)
            if self.settings.ip_adapter_layers == "style"
            else scale
        )
        # The UNet's IP-Adapter layers need embeddings even at scale 0: a black image then.
        reference = (request.reference_images or [Image.new("RGB", (224, 224))])[0].convert("RGB")
        digest = hashlib.sha1(reference.tobytes(), usedforsecurity=False).hexdigest()
        key = (str(request.style.get("slug", "")), digest, params.guidance_scale > 1)
        if key not in self.ip_embeds:
            self.ip_embeds[key] = self.pipe.prepare_ip_adapter_image_embeds(
                [reference], None, self.device, 1, key[2]
            )
        return self.ip_embeds[key]
