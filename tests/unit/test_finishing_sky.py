"""Sky masks from segmenter labels, sky replacement (bit-identical outside the feathered edge,
the chosen sky's colours inside) and the preview's guessed sky."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from catalog.generated_skies import generated_sky
from core.faults import BadInput
from tests.support.finishing_scenes import exterior, room
from worker.finishing.masks import (
    MIN_REGION_FRACTION,
    default_feather_px,
    fit_alpha,
    sky_alpha,
    window_alpha,
)
from worker.finishing.sky import Harmony, cover_fit, replace_sky
from worker.finishing.sky_guess import guess_sky_mask
from worker.vision.ade20k import ADE20K_LABELS

SIZE = (960, 640)
ADE20K = dict(enumerate(ADE20K_LABELS))
"""id2label as the ADE20K models name their classes (a few with aliases, as in their configs)."""
ADE20K_CONFIG = {**ADE20K, 8: "windowpane, window", 2: "sky"}
SKY, BUILDING, WINDOW = 2, 1, 8


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _segmented(truth: np.ndarray, scale: int = 2) -> np.ndarray:
    """Labels as a segmenter at 1/scale of the photo gives them: blocky at the sky's edge."""
    small = truth[::scale, ::scale]
    return np.where(small, SKY, BUILDING)


def test_the_sky_alpha_is_one_on_the_sky_and_zero_past_the_feather():
    truth = np.zeros((100, 120), dtype=bool)
    truth[:40] = True
    alpha = sky_alpha(np.where(truth, SKY, BUILDING), ADE20K_CONFIG, feather_px=4)
    assert alpha.dtype == np.float32
    assert (alpha[:38] == 1.0).all()
    assert (alpha[45:] == 0.0).all()
    assert 0.0 < alpha[41, 60] < 1.0


def test_stray_sky_labels_are_dropped():
    labels = np.full((200, 200), BUILDING)
    labels[:50] = SKY
    labels[150, 150] = SKY  # one stray pixel, far below MIN_REGION_FRACTION
    assert MIN_REGION_FRACTION * labels.size > 1
    alpha = sky_alpha(labels, ADE20K, feather_px=2)
    assert alpha[140:160, 140:160].max() == 0.0


def test_windows_come_from_the_windowpane_label_and_stay_inside_it():
    labels = np.full((100, 100), BUILDING)
    labels[30:60, 20:50] = WINDOW
    alpha = window_alpha(labels, ADE20K_CONFIG, feather_px=3)
    assert alpha[45, 35] == pytest.approx(1.0)
    assert alpha[labels != WINDOW].max() == 0.0


def test_sky_replacement_leaves_every_pixel_past_the_feather_bit_identical():
    photo, truth = exterior(*SIZE)
    feather_px = default_feather_px(SIZE)
    alpha = fit_alpha(sky_alpha(_segmented(truth), ADE20K, feather_px=feather_px // 2), SIZE)
    sky = generated_sky(1, (1200, 800))

    result = np.asarray(replace_sky(Image.fromarray(photo), sky, alpha))

    untouched = alpha == 0
    assert np.array_equal(result[untouched], photo[untouched])
    # Every non-sky pixel farther from the sky than the feather (plus the segmentation's block
    # and the upscale's one pixel) is one of them.
    distance = cv2.distanceTransform((~truth).astype(np.uint8), cv2.DIST_L2, 5)
    far = distance > feather_px + 3
    assert untouched[far].all()
    assert (result[~untouched] != photo[~untouched]).any()


def test_the_sky_region_takes_the_chosen_skys_colours():
    photo, truth = exterior(*SIZE)
    alpha = fit_alpha(sky_alpha(_segmented(truth), ADE20K, feather_px=3), SIZE)
    sky = generated_sky(2, (1200, 800))
    bottom = int(np.flatnonzero(alpha.max(axis=1) > 0)[-1]) + 1
    chosen = cover_fit(sky, (SIZE[0], bottom))

    result = np.asarray(replace_sky(Image.fromarray(photo), sky, alpha))

    region = truth[:bottom]
    difference = np.linalg.norm(_lab(result[:bottom]) - _lab(chosen), axis=2)[region]
    assert difference.mean() <= 1.0
    assert np.quantile(difference, 0.99) <= 5.0
    before = np.linalg.norm(_lab(photo[:bottom]) - _lab(chosen), axis=2)[region]
    assert before.mean() > 20.0  # a real change of sky


def test_the_edge_band_is_pulled_towards_the_new_sky_within_the_limit():
    photo, truth = exterior(*SIZE)
    alpha = sky_alpha(np.where(truth, SKY, BUILDING), ADE20K, feather_px=6)
    sky = Image.new("RGB", (400, 300), (20, 60, 200))
    harmony = Harmony(strength=0.5, max_shift=10.0)
    plain = np.asarray(replace_sky(Image.fromarray(photo), sky, alpha, Harmony(strength=0.0)))
    pulled = np.asarray(replace_sky(Image.fromarray(photo), sky, alpha, harmony))
    change = pulled.astype(int) - plain.astype(int)
    band = (alpha > 0) & (alpha < 1)
    assert np.abs(change[band]).max() <= 10 + 1
    towards = np.array([20, 60, 200]) - photo[truth].mean(axis=0)
    assert (np.sign(change[band].mean(axis=0)) == np.sign(towards)).all()
    assert np.array_equal(pulled[alpha == 1], plain[alpha == 1])


def test_a_photo_without_sky_is_refused():
    photo = Image.new("RGB", (64, 48), (120, 120, 120))
    with pytest.raises(BadInput, match="no sky"):
        replace_sky(photo, Image.new("RGB", (64, 48)), np.zeros((48, 64), dtype=np.float32))


def test_cover_fit_fills_the_box_and_keeps_the_middle():
    sky = Image.new("RGB", (300, 100), (255, 0, 0))
    sky.paste((0, 0, 255), (100, 0, 200, 100))
    fitted = cover_fit(sky, (90, 90))
    assert fitted.shape == (90, 90, 3)
    assert (fitted[:, 10:80, 2] > 200).all()


def test_the_guessed_sky_of_an_exterior_matches_its_true_sky():
    photo, truth = exterior(*SIZE)
    guess = guess_sky_mask(Image.fromarray(photo))
    assert guess.shape == truth.shape
    assert (guess & truth).sum() / (guess | truth).sum() >= 0.9


def test_a_room_without_anything_sky_like_at_the_top_has_no_guessed_sky():
    rgb = room(480, 360).rgb.copy()
    rgb[:40] = (150, 110, 74)  # a dark wooden ceiling
    assert not guess_sky_mask(Image.fromarray(rgb)).any()
