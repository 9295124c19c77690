"""Generation on the mask's crop: where the box goes and how sharp the staged region ends up."""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
import pytest

from bench.resolution_grid import FLOOR_FRACTIONS, PHOTOS, SHAPES, grid_rows
from core.settings import SdxlSettings
from worker.engine.crop import crop_mask, detail_size, plan_crop, plan_for


class _Bucket(TypedDict):
    target_pixels: int
    multiple: int
    margin_fraction: float


class _Goal(TypedDict):
    min_resolution: float
    detail_scale: float


PRODUCTION = _Bucket(target_pixels=1024 * 1024, multiple=64, margin_fraction=0.05)
GOAL = _Goal(min_resolution=0.5, detail_scale=3.0)


def floor_mask(width: int, height: int, top_fraction: float) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[round(height * top_fraction) :, width // 10 : width - width // 10] = True
    return mask


def test_every_realistic_photo_and_floor_is_staged_at_half_its_resolution_or_more() -> None:
    """12 and 24 MP at 4:3, 3:2, 16:9 and portrait; floors over 30-60 % of the frame, as a band
    or in perspective; production's segmentation-to-mask code and default settings."""
    settings = SdxlSettings()
    assert settings.detail_min_resolution == 0.5
    rows = grid_rows(settings)
    assert len(rows) == 8 * len(SHAPES) * len(FLOOR_FRACTIONS)
    assert {row.megapixels for row in rows} == set(PHOTOS)
    assert min(FLOOR_FRACTIONS) == 0.3 and max(FLOOR_FRACTIONS) == 0.6
    for row in rows:
        assert row.resolution >= 0.5, row
        # The detail pass is no larger than the goal needs: one DETAIL_MULTIPLE per side at most.
        if row.detail is not None:
            detail = [int(side) for side in row.detail.split("x")]
            box = [int(side) for side in row.box.split("x")]
            first = [int(side) for side in row.first.split("x")]
            for want, photo, start in zip(detail, box, first, strict=True):
                assert want <= max(start, math.ceil(0.5 * photo / 32) * 32), row
    # 24 MP needs more than the old 2x cap; every 12 MP crop still needs a detail pass.
    assert any(row.detail and row.megapixels == "24 MP" for row in rows)


def test_the_detail_pass_is_skipped_when_the_first_pass_meets_the_goal() -> None:
    assert detail_size((2400, 1800), (1152, 896), multiple=64, min_resolution=0.5, max_scale=3)
    assert (
        detail_size((2200, 1700), (1152, 896), multiple=64, min_resolution=0.5, max_scale=3) is None
    )
    # A small photo: its crop is already generated above native resolution.
    plan = plan_crop(floor_mask(1024, 768, 0.0), **PRODUCTION, **GOAL)
    assert plan.detail_size is None and plan.resolution >= 1
    off = plan_crop(floor_mask(4000, 3000, 0.0), **PRODUCTION, min_resolution=0, detail_scale=3)
    assert off.detail_size is None


def test_the_detail_pass_reaches_the_goal_with_the_fewest_pixels() -> None:
    plan = plan_crop(np.ones((3000, 4000), dtype=bool), **PRODUCTION, **GOAL)
    assert plan.box_size == (4000, 3000) and plan.size == (1152, 896)
    assert plan.detail_size == (2016, 1504)  # 2000 x 1500 rounded up to multiples of 32
    assert plan.resolution == pytest.approx(1504 / 3000)


def test_a_goal_just_out_of_reach_grows_the_first_pass_instead_of_adding_a_detail_pass() -> None:
    mask = np.ones((1800, 2400), dtype=bool)  # 1152 x 896 would be 0.48 of it
    plan = plan_crop(mask, **PRODUCTION, **GOAL)
    assert plan.size == (1216, 928) and plan.detail_size is None
    assert plan.resolution >= 0.5
    # Farther out of reach (0.29 here), a detail pass it is.
    assert plan_crop(np.ones((3000, 4000), dtype=bool), **PRODUCTION, **GOAL).detail_size


def test_the_scale_cap_bounds_the_detail_pass_on_very_large_photos() -> None:
    size = detail_size((8000, 6000), (1152, 896), multiple=64, min_resolution=0.5, max_scale=3)
    assert size == (3456, 2688)  # 3 x the first pass; 0.43 of native, not 0.5
    assert (
        detail_size((8000, 6000), (1152, 896), multiple=64, min_resolution=0.5, max_scale=1) is None
    )


def test_the_box_holds_the_mask_with_a_margin_and_stays_in_the_photo() -> None:
    mask = np.zeros((3000, 4000), dtype=bool)
    mask[2000:2900, 1000:3000] = True
    plan = plan_crop(mask, **PRODUCTION, **GOAL)
    left, top, right, bottom = plan.box
    assert 0 <= left <= 1000 - 200 and right >= 3000 + 200 and right <= 4000
    assert 0 <= top <= 2000 - 200 and bottom == 3000
    aspect = plan.size[0] / plan.size[1]
    assert abs((right - left) / (bottom - top) - aspect) < 0.05
    assert crop_mask(mask, plan.box, plan.size).shape == (plan.size[1], plan.size[0])
    assert plan_for(mask, SdxlSettings()) == plan


def test_an_empty_mask_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        plan_crop(np.zeros((10, 10), dtype=bool), **PRODUCTION, **GOAL)
