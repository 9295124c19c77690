"""Control images taken from the photo itself: depth and straight lines (MLSD)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from PIL import Image

from worker.vision.mask import feather

MLSD_WEIGHTS = "mlsd_large_512_fp32.pth"
DEPTH_FADE_FRACTION = 0.02
"""The depth fades out over this share of the short side inside the mask: no hard depth edge
at the mask's border for the ControlNet to read as an object's outline."""


def depth_in_mask(
    controls: list[Image.Image | None], kinds: list[str], mask: np.ndarray, keep: float
) -> list[Image.Image | None]:
    """The control images with the depth one scaled by `keep` inside the staging mask (0: black,
    no depth at all), fading in from the mask's edge; the others as they are.

    Depth of the empty room tells the ControlNet the floor is flat and bare, which argues against
    the furniture the prompt asks for; the walls' and windows' depth outside the mask still hold
    the room's geometry.
    """
    if keep >= 1 or not mask.any():
        return controls
    result = list(controls)
    for index, (kind, control) in enumerate(zip(kinds, controls, strict=True)):
        if kind != "depth" or control is None:
            continue
        fade = round(DEPTH_FADE_FRACTION * min(mask.shape))
        weight = 1.0 - (1.0 - keep) * feather(mask, fade)
        pixels = np.asarray(control.convert("RGB").resize(mask.shape[::-1]), dtype=np.float32)
        scaled = np.rint(pixels * weight[..., None]).astype(np.uint8)
        result[index] = Image.fromarray(scaled, "RGB").resize(control.size)
    return result


class DepthEstimator:
    """A transformers depth-estimation model loaded once; returns a grey depth image."""

    def __init__(self, processor: Any, model: Any, device: str) -> None:
        self.processor = processor
        self.model = model
        self.device = device

    @classmethod
    def from_pretrained(cls, model_id: str, *, device: str) -> DepthEstimator:
        """Load processor and model (from the Hugging Face cache or a local dir)."""
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation

        processor = AutoImageProcessor.from_pretrained(model_id)
        model = AutoModelForDepthEstimation.from_pretrained(model_id).to(device).eval()
        return cls(processor, model, device)

    def __call__(self, image: Image.Image) -> Image.Image:
        """Relative depth at the image's size, normalised to 0..255 (near = bright), as RGB."""
        import torch

        inputs = self.processor(images=image.convert("RGB"), return_tensors="pt").to(self.device)
        with torch.inference_mode():
            depth = self.model(**inputs).predicted_depth
            depth = torch.nn.functional.interpolate(
                depth[:, None].float(), size=(image.height, image.width), mode="bicubic"
            )[0, 0]
        depth = depth.cpu().numpy()
        span = float(depth.max() - depth.min())
        scaled = (depth - depth.min()) / span if span > 0 else np.zeros_like(depth)
        return Image.fromarray((scaled * 255).round().astype(np.uint8), "L").convert("RGB")


class LineDetector:
    """The MLSD straight-line detector of controlnet_aux, loaded once."""

    def __init__(self, detector: Any, resolution: int) -> None:
        self.detector = detector
        self.resolution = resolution

    @classmethod
    def from_pretrained(cls, model_id: str, *, device: str, resolution: int) -> LineDetector:
        """Load mlsd_large_512_fp32.pth from a repo id (through the HF cache) or a local dir."""
        from huggingface_hub.constants import HF_HUB_OFFLINE

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # controlnet_aux warns about optional extras on import
            from controlnet_aux.mlsd import MLSDdetector

        detector = MLSDdetector.from_pretrained(
            model_id, filename=MLSD_WEIGHTS, local_files_only=HF_HUB_OFFLINE
        )
        return cls(detector.to(device), resolution)

    def __call__(self, image: Image.Image) -> Image.Image:
        """White line segments on black, at the image's size."""
        lines = self.detector(
            image.convert("RGB"),
            detect_resolution=self.resolution,
            image_resolution=self.resolution,
            output_type="pil",
        )
        return lines.convert("RGB").resize(image.size, Image.Resampling.BILINEAR)
