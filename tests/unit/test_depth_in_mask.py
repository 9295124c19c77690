"""Depth inside the staging mask: blanked by default, kept as a style asks, on plain images."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.settings import SdxlSettings
from worker.generators.base import BadInput
from worker.generators.sdxl_params import job_params
from worker.vision.control import depth_in_mask


def _depth() -> Image.Image:
    """Near = bright: the floor brightens towards the camera, as a depth model draws it."""
    rows = np.linspace(40, 250, 90, dtype=np.float32)[:, None].repeat(120, axis=1)
    return Image.fromarray(rows.astype(np.uint8), "L").convert("RGB")


def _floor() -> np.ndarray:
    mask = np.zeros((90, 120), dtype=bool)
    mask[50:] = True
    return mask


def test_by_default_the_depth_is_blanked_inside_the_mask_only() -> None:
    depth, lines = _depth(), Image.new("RGB", (120, 90), (255, 255, 255))
    keep = SdxlSettings().depth_in_mask
    out_depth, out_lines, none = depth_in_mask(
        [depth, lines, None], ["depth", "mlsd", "depth"], _floor(), keep
    )
    pixels, before = np.asarray(out_depth), np.asarray(depth)
    assert keep == 0
    assert (pixels[:50] == before[:50]).all()  # the walls' depth still holds the room
    assert (pixels[60:] == 0).all()  # past the fade, no depth at all
    assert 0 < pixels[51, 0, 0] < before[51, 0, 0]  # fading in from the mask edge
    assert out_lines is lines and none is None


def test_a_style_can_weaken_or_keep_the_depth() -> None:
    depth = _depth()
    half = np.asarray(depth_in_mask([depth], ["depth"], _floor(), 0.5)[0], dtype=int)
    assert np.abs(half[70:] - np.asarray(depth, dtype=int)[70:] / 2).max() <= 1
    assert depth_in_mask([depth], ["depth"], _floor(), 1.0)[0] is depth


def test_a_control_image_at_another_size_than_the_mask_keeps_its_size() -> None:
    depth = _depth().resize((240, 180))
    (out,) = depth_in_mask([depth], ["depth"], _floor(), 0.0)
    assert out is not None and out.size == (240, 180) and np.asarray(out)[150:].max() == 0


def test_depth_in_mask_is_a_style_param_over_the_setting() -> None:
    settings = SdxlSettings()
    params = job_params({"params": {}}, "bedroom", settings, fast_tier_loaded=False)
    assert params.depth_in_mask == 0
    style = {"params": {"depth_in_mask": 0.75}}
    assert job_params(style, "bedroom", settings, fast_tier_loaded=False).depth_in_mask == 0.75
    with pytest.raises(BadInput, match="depth_in_mask"):
        job_params({"params": {"depth_in_mask": 1.5}}, "bedroom", settings, fast_tier_loaded=False)
