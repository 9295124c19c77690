"""The image scores of catalog.quality.SCORES, from plain images, masks and labels.

numpy and Pillow at import (CLIP imports transformers lazily, the furniture count OpenCV, both
needed only with the sdxl worker's models), so the preview worker, which has neither OpenCV nor
torch, scores its variants too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from worker.vision.ade20k import class_ids
from worker.vision.furniture import KEY_FURNITURE, REMOVAL_CLASSES, class_share

SEAM_RING_PX = 3
"""Width of the bands compared on either side of the mask edge (the inner one beyond the
feather)."""
MIN_PIECE_SHARE, MAX_PIECE_SHARE = 0.005, 0.6
"""A piece of furniture covers this share of the photo: smaller is a speck of segmentation
noise or a toy, larger fills the frame."""
ON_FLOOR_SHARE = 0.5
"""A piece counts when at least this share of it lies in the staged area."""
_SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]],
    dtype=np.float32,
)
_D65 = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)


def furniture_score(
    labels: np.ndarray, id2label: dict[int, str], room_type: str, mask: np.ndarray
) -> float:
    """How many pieces of the room type's key furniture stand in the staged area: connected
    regions of its classes, mostly inside the mask, of a plausible size for the photo (not a
    share of the mask, which would rate the same sofa by the floor's size)."""
    import cv2  # the sdxl worker's; only a segmenter (sdxl) gives labels to count

    key = np.isin(labels, class_ids(id2label, KEY_FURNITURE.get(room_type, frozenset())))
    if not key.any():
        return 0.0
    count, pieces, stats, _ = cv2.connectedComponentsWithStats(key.astype(np.uint8), connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    inside = np.bincount(pieces[mask], minlength=count)
    share = area / labels.size
    plausible = (share >= MIN_PIECE_SHARE) & (share <= MAX_PIECE_SHARE)
    placed = inside >= ON_FLOOR_SHARE * area
    return float((plausible & placed)[1:].sum())


def leftover_score(labels: np.ndarray, id2label: dict[int, str], removed: np.ndarray) -> float:
    """The share of the removal mask still segmented as furniture or clutter."""
    return class_share(labels, id2label, REMOVAL_CLASSES, removed)


def to_lab(image: Image.Image) -> np.ndarray:
    """CIELAB (D65) of an sRGB image: L in [0, 100]; distances are ΔE76."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _D65
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def _grow(mask: np.ndarray, radius: int) -> np.ndarray:
    """The mask grown by radius pixels (square neighbourhood), row pass then column pass."""
    height, width = mask.shape
    padded = np.pad(mask, radius)
    rows = np.zeros((height + 2 * radius, width), dtype=bool)
    for shift in range(2 * radius + 1):
        rows |= padded[:, shift : shift + width]
    grown = np.zeros((height, width), dtype=bool)
    for shift in range(2 * radius + 1):
        grown |= rows[shift : shift + height]
    return grown


def _box_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum over the (2r+1)² window around each pixel (zero outside the image)."""
    padded = np.pad(values, [(radius + 1, radius)] * 2 + [(0, 0)] * (values.ndim - 2))
    total = padded.cumsum(0).cumsum(1)
    k = 2 * radius + 1
    return total[k:, k:] - total[:-k, k:] - total[k:, :-k] + total[:-k, :-k]


def _edge_jumps(lab: np.ndarray, inner: np.ndarray, outer: np.ndarray, radius: int) -> np.ndarray:
    """Per pixel: mean colour of the inner band within radius minus that of the outer band."""

    def local_mean(band: np.ndarray) -> np.ndarray:
        weight = _box_sum(band.astype(np.float32), radius)
        total = _box_sum(lab * band[..., None], radius)
        return total / np.maximum(weight, 1e-6)[..., None]

    return local_mean(inner) - local_mean(outer)


def seam_score(
    photo: Image.Image, image: Image.Image, mask: np.ndarray, *, feather_px: int = 0
) -> float:
    """How much the colour step across the mask edge differs from the photo's own step there
    (mean ΔE76 over the edge): 0 for the photo itself, high for a colour cast inside the mask.

    The inner band starts past the feather (feather_px, the paste-back's): within it the result
    fades from the photo to the generation, so a band there reads part of the step.
    """
    if not mask.any() or mask.all():
        return 0.0
    feather_px = max(0, feather_px)
    reach = feather_px + 2 * SEAM_RING_PX
    inner = mask & _grow(~mask, feather_px + SEAM_RING_PX)
    if feather_px:
        inner &= ~_grow(~mask, feather_px)
    outer = _grow(mask, SEAM_RING_PX) & ~mask
    edge = mask & _grow(~mask, 1) & _grow(outer, reach) & _grow(inner, reach)
    if not edge.any():
        return 0.0
    change = _edge_jumps(to_lab(image), inner, outer, reach) - _edge_jumps(
        to_lab(photo), inner, outer, reach
    )
    return float(np.linalg.norm(change[edge], axis=-1).mean())


class ClipScorer:
    """transformers' CLIP: cosine similarity between an image and a text."""

    def __init__(self, processor: Any, model: Any, device: str) -> None:
        self.processor = processor
        self.model = model
        self.device = device

    @classmethod
    def from_pretrained(cls, model_id: str, *, device: str) -> ClipScorer:
        """Load processor and model (from the Hugging Face cache or a local dir)."""
        from transformers import CLIPModel, CLIPProcessor

        processor = CLIPProcessor.from_pretrained(model_id)
        return cls(processor, CLIPModel.from_pretrained(model_id).to(device).eval(), device)  # type: ignore[arg-type]  # transformers' @wraps(Module.to) hides self

    def __call__(self, image: Image.Image, text: str) -> float:
        return self.similarities(image, [text])[0]

    def similarities(self, image: Image.Image, texts: list[str]) -> list[float]:
        """Cosine similarity of the image with each text (cut at CLIP's token limit)."""
        import torch

        inputs = self.processor(
            text=texts,
            images=image.convert("RGB"),
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=self.model.config.text_config.max_position_embeddings,
        ).to(self.device)
        with torch.inference_mode():
            output = self.model(**inputs)
        image_embeds = torch.nn.functional.normalize(output.image_embeds.float(), dim=-1)
        text_embeds = torch.nn.functional.normalize(output.text_embeds.float(), dim=-1)
        return [float(value) for value in (text_embeds @ image_embeds[0]).cpu()]
