"""Generation on the mask's crop: where the box goes and how sharp the staged region ends up."""

from __future__ import annotations

import numpy as np
import pytest

from worker.engine.crop import crop_mask, plan_crop

PRODUCTION = {"target_pixels": 1024 * 1024, "multiple": 64, "margin_fraction": 0.05}


def floor_mask(width: int, height: int, top_fraction: float) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[round(height * top_fraction) :, width // 10 : width - width // 10] = True
    return mask


@pytest.mark.parametrize("size", [(4000, 3000), (4240, 2832), (4624, 2600), (3000, 4000)])
@pytest.mark.parametrize("top_fraction", [0.0, 0.45])
def test_a_12_mp_photo_is_generated_at_least_at_half_its_resolution(
    size: tuple[int, int], top_fraction: float
) -> None:
    mask = floor_mask(*size, top_fraction)
    plan = plan_crop(mask, detail_scale=2.0, **PRODUCTION)
    assert plan.detail_size is not None
    box_width, box_height = plan.box_size
    assert plan.detail_size[0] / box_width >= 0.5 and plan.detail_size[1] / box_height >= 0.5
    # Without the detail pass, the whole photo at 1 MP was about 0.29 of the photo's resolution.
    assert plan.size[0] * plan.size[1] <= 1.2 * PRODUCTION["target_pixels"]


def test_the_box_holds_the_mask_with_a_margin_and_stays_in_the_photo() -> None:
    mask = np.zeros((3000, 4000), dtype=bool)
    mask[2000:2900, 1000:3000] = True
    plan = plan_crop(mask, detail_scale=2.0, **PRODUCTION)
    left, top, right, bottom = plan.box
    assert 0 <= left <= 1000 - 200 and right >= 3000 + 200 and right <= 4000
    assert 0 <= top <= 2000 - 200 and bottom == 3000
    aspect = plan.size[0] / plan.size[1]
    assert abs((right - left) / (bottom - top) - aspect) < 0.05
    assert crop_mask(mask, plan.box, plan.size).shape == (plan.size[1], plan.size[0])


def test_a_small_photo_gets_no_detail_pass() -> None:
    plan = plan_crop(floor_mask(1024, 768, 0.0), detail_scale=2.0, **PRODUCTION)
    assert plan.detail_size is None


def test_an_empty_mask_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        plan_crop(np.zeros((10, 10), dtype=bool), detail_scale=2.0, **PRODUCTION)
