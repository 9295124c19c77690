"""The classical dusk grade (darker, bluer, a dusk sky, lit windows) and the sdxl dusk pass plan."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.support.finishing_scenes import exterior, luma, window_boxes
from worker.finishing.dusk_pass import DUSK_STRENGTH, plan_dusk_pass
from worker.finishing.masks import alpha_from_mask
from worker.finishing.twilight import dusk_grade

SIZE = (480, 320)


def _scene() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The exterior, its sky alpha, its window alpha and its windows' true mask."""
    photo, truth = exterior(*SIZE)
    windows = np.zeros(truth.shape, dtype=bool)
    for left, top, right, bottom in window_boxes(*SIZE):
        windows[top:bottom, left:right] = True
    sky = alpha_from_mask(truth, feather_px=2, grow_px=2)
    return photo, sky, alpha_from_mask(windows, feather_px=2, grow_px=0), windows


def test_dusk_is_darker_with_a_dusk_sky_and_warm_lit_windows():
    photo, sky, windows, window_truth = _scene()
    dusk = np.asarray(dusk_grade(Image.fromarray(photo), sky_alpha=sky, window_alpha=windows))
    assert dusk.shape == photo.shape
    facade = np.zeros(window_truth.shape, dtype=bool)
    facade[
        round(0.66 * SIZE[1]) : round(0.7 * SIZE[1]), round(0.28 * SIZE[0]) : round(0.42 * SIZE[0])
    ] = True
    assert luma(dusk)[facade].mean() < 0.6 * luma(photo)[facade].mean()
    top, horizon = dusk[2:10, 200:280].reshape(-1, 3), dusk[205:225, 100:115].reshape(-1, 3)
    assert top[:, 2].mean() > top[:, 0].mean() + 30  # deep blue overhead
    assert horizon[:, 0].mean() > horizon[:, 2].mean() + 30  # a warm glow low in the sky
    lit = dusk[window_truth]
    assert luma(lit).mean() > luma(dusk)[facade].mean() + 0.2
    assert lit[:, 0].mean() > lit[:, 2].mean() + 40  # warm light


def test_without_masks_dusk_is_a_darker_cooler_grade():
    photo, _, _, _ = _scene()
    dusk = np.asarray(dusk_grade(Image.fromarray(photo))).astype(float)
    assert luma(dusk).mean() < 0.7 * luma(photo).mean()
    ratio = dusk.reshape(-1, 3).mean(axis=0) / photo.reshape(-1, 3).mean(axis=0)
    assert ratio[2] > ratio[0]


def test_the_grade_is_deterministic():
    photo, sky, windows, _ = _scene()
    image = Image.fromarray(photo)
    first = dusk_grade(image, sky_alpha=sky, window_alpha=windows).tobytes()
    assert dusk_grade(image, sky_alpha=sky, window_alpha=windows).tobytes() == first


def test_the_dusk_pass_regenerates_every_pixel_from_the_dusk_grade():
    photo, sky, windows, _ = _scene()
    image = Image.fromarray(photo)
    plan = plan_dusk_pass(image, sky_alpha=sky, window_alpha=windows)
    assert plan.mask.shape == (SIZE[1], SIZE[0]) and plan.mask.all()
    assert plan.strength == DUSK_STRENGTH and 0 < plan.strength < 1
    assert (
        plan.init_image.tobytes()
        == dusk_grade(image, sky_alpha=sky, window_alpha=windows).tobytes()
    )
    assert plan.control_source.tobytes() == image.tobytes()
    assert "dusk" in plan.prompt or "twilight" in plan.prompt


@pytest.mark.parametrize("strength", [0.0, -0.1, 1.5])
def test_a_dusk_pass_strength_outside_0_to_1_is_refused(strength):
    with pytest.raises(ValueError, match="strength"):
        plan_dusk_pass(Image.new("RGB", (64, 64)), strength=strength)
