"""The staging mask: floor and the lower wall band over it, minus protected classes."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from worker.vision.ade20k import WALL_CLASSES, class_ids


def staging_mask(
    labels: np.ndarray,
    id2label: dict[int, str],
    *,
    floor: frozenset[str],
    protected: frozenset[str],
    wall_band_fraction: float,
    dilate_px: int,
) -> np.ndarray:
    """The floor classes, plus the wall band just above them, dilated, minus protected classes."""
    height = labels.shape[0]
    floor_px = np.isin(labels, class_ids(id2label, floor - protected))
    wall = np.isin(labels, class_ids(id2label, WALL_CLASSES - protected))
    rows = np.arange(height)[:, None]
    has_floor = floor_px.any(axis=0)
    floor_top = np.where(has_floor, floor_px.argmax(axis=0), height)
    band_top = floor_top - round(wall_band_fraction * height)
    band = wall & has_floor & (rows >= band_top[None, :]) & (rows < floor_top[None, :])
    mask = dilate(floor_px | band, dilate_px)
    return mask & ~np.isin(labels, class_ids(id2label, protected))


def geometric_mask(width: int, height: int, *, floor_fraction: float) -> np.ndarray:
    """Fallback without a segmentation model: the bottom floor_fraction of the photo."""
    mask = np.zeros((height, width), dtype=bool)
    mask[height - max(1, round(floor_fraction * height)) :, :] = True
    return mask


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a boolean mask by radius pixels (elliptic kernel)."""
    if radius <= 0 or not mask.any():
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def feather(mask: np.ndarray, radius: int) -> np.ndarray:
    """A float alpha in [0, 1] that fades in over radius pixels inside the mask; 0 outside it."""
    alpha: np.ndarray = mask.astype(np.float32)
    if radius > 0 and mask.any():
        size = 2 * radius + 1
        alpha = cv2.GaussianBlur(
            alpha, (size, size), sigmaX=radius / 2, borderType=cv2.BORDER_REPLICATE
        )
        # Inside the mask the blur rises from 0.5 at the edge; rescale so the edge starts near 0.
        alpha = np.clip((alpha - 0.5) * 2.0, 0.0, 1.0)
    return np.where(mask, alpha, 0.0).astype(np.float32)


def mask_image(mask: np.ndarray) -> Image.Image:
    """The mask as a black/white L image (white = staged)."""
    return Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), "L")


class Segmenter:
    """An ADE20K semantic segmentation model loaded once through transformers."""

    def __init__(self, processor: Any, model: Any, device: str) -> None:
        self.processor = processor
        self.model = model
        self.device = device
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}

    @classmethod
    def from_pretrained(cls, model_id: str, *, device: str) -> Segmenter:
        """Load processor and model (from the Hugging Face cache or a local dir)."""
        from transformers import AutoImageProcessor, AutoModelForSemanticSegmentation

        processor = AutoImageProcessor.from_pretrained(model_id)
        model = AutoModelForSemanticSegmentation.from_pretrained(model_id).to(device).eval()
        return cls(processor, model, device)

    def labels(self, image: Image.Image) -> np.ndarray:
        """The per-pixel class ids of an image, at the image's size."""
        import torch

        inputs = self.processor(images=image.convert("RGB"), return_tensors="pt").to(self.device)
        with torch.inference_mode():
            logits = self.model(**inputs).logits
            logits = torch.nn.functional.interpolate(
                logits.float(),
                size=(image.height, image.width),
                mode="bilinear",
                align_corners=False,
            )
        return logits.argmax(dim=1)[0].cpu().numpy()
