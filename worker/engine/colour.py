"""Colour match: the generation's colours mapped to the photo's on a ring just outside the mask.

The ring is where both images show the same room, so their difference there is the inpainting
model's colour shift. Only a shift can be corrected without repainting the furniture: the fit
ignores ring pixels where the generation shows something else (a lamp spilling over the mask
edge), its gain stays close to 1 and is read from texture-free cell means (so extra texture in
the generation does not flatten the furniture), and the offset is a smooth field: the ring's
local offsets spread inward over a fraction of the crop, fading to the global offset.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from worker.vision.mask import dilate

MIN_RING_PIXELS = 16
GAIN_LIMITS = (0.9, 1.1)
"""Per-channel gain: a colour shift, never a change of contrast."""
OUTLIER_SPREADS = 3.0
"""A ring pixel whose difference lies this many robust spreads (1.4826 x MAD) from the median
difference shows something else in the generation: it is left out of the fit."""
MIN_TOLERANCE = 12.0
"""…but a pixel within this RGB distance of the median difference is always kept."""
MIN_GAIN_SPREAD = 4.0
"""The ring's cell means must spread this much (RGB std) for a gain to be read; else gain 1."""
SMOOTH_FRACTION = 0.15
"""Reach of the smooth offset field (Gaussian sigma), as a share of the crop's short side."""
FIELD_FLOOR = 0.1
"""Where the ring is sparse the field fades to the global offset (regularised normalised
convolution: this share of the densest ring weight is added to the denominator)."""
FIELD_GRID = 64
"""The offset field is computed on a grid this many cells on the short side: smooth and cheap."""


def colour_match(
    generated: Image.Image, reference: Image.Image, mask: np.ndarray, *, ring_px: int
) -> Image.Image:
    """generated with a per-channel gain near 1 and a smooth offset field that map it to the
    reference on the ring (ring_px wide, outside the mask), fitted on the ring pixels where the
    two agree."""
    ring = dilate(mask, ring_px) & ~mask
    if ring.sum() < MIN_RING_PIXELS:
        return generated
    new = np.asarray(generated.convert("RGB"), dtype=np.float32)
    old = np.asarray(reference.convert("RGB").resize(generated.size), dtype=np.float32)
    agree = _agreeing(old - new, ring)
    if agree.sum() < MIN_RING_PIXELS:
        return generated
    gain = _gain(new, old, agree, cell=max(2, ring_px))
    offset = _offset_field(old - new * gain, agree, sigma=SMOOTH_FRACTION * min(mask.shape))
    matched = new * gain + offset
    return Image.fromarray(np.clip(np.rint(matched), 0, 255).astype(np.uint8), "RGB")


def _agreeing(difference: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """The ring pixels whose difference is near the ring's median difference (twice refined)."""
    values = difference[ring]
    keep = np.ones(len(values), dtype=bool)
    for _ in range(2):
        distance = np.linalg.norm(values - np.median(values[keep], axis=0), axis=1)
        limit = max(OUTLIER_SPREADS * 1.4826 * float(np.median(distance)), MIN_TOLERANCE)
        keep = distance <= limit
    agree = np.zeros_like(ring)
    agree[ring] = keep
    return agree


def _cell_means(values: np.ndarray, weight: np.ndarray, cell: int) -> np.ndarray:
    """Mean of values over the weighted pixels of each cellxcell cell that is mostly weighted."""
    height, width = weight.shape
    size = (max(1, width // cell), max(1, height // cell))
    total = cv2.resize(weight.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    sums = cv2.resize(values * weight[..., None], size, interpolation=cv2.INTER_AREA)
    full = total > 0.5
    return sums[full].reshape(-1, 3) / total[full][:, None]


def _gain(new: np.ndarray, old: np.ndarray, agree: np.ndarray, *, cell: int) -> np.ndarray:
    """Per channel, the slope of the reference on the generation over the ring's cell means
    (averaging cells removes texture), clipped to GAIN_LIMITS; 1 where the ring is too flat."""
    x, y = _cell_means(new, agree, cell), _cell_means(old, agree, cell)
    gain = np.ones(3, dtype=np.float32)
    if len(x) < 8:
        return gain
    for channel in range(3):
        spread = float(x[:, channel].std())
        if spread >= MIN_GAIN_SPREAD:
            slope = float(np.cov(x[:, channel], y[:, channel])[0, 1]) / spread**2
            gain[channel] = np.clip(slope, *GAIN_LIMITS)
    return gain


def _offset_field(residual: np.ndarray, agree: np.ndarray, *, sigma: float) -> np.ndarray:
    """The global (median) offset plus the ring's local departures from it, spread smoothly."""
    offset = np.median(residual[agree], axis=0)
    height, width = agree.shape
    scale = min(1.0, FIELD_GRID / min(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    weight = cv2.resize(agree.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    local = cv2.resize((residual - offset) * agree[..., None], size, interpolation=cv2.INTER_AREA)
    reach = max(0.5, sigma * scale)
    weight = cv2.GaussianBlur(weight, (0, 0), reach)
    local = cv2.GaussianBlur(local, (0, 0), reach)
    field = local / (weight + FIELD_FLOOR * float(weight.max()))[..., None]
    field = cv2.resize(field, (width, height), interpolation=cv2.INTER_LINEAR)
    return offset + field
