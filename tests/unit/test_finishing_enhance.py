"""Auto-enhance on synthetic photos with known defects: tilt and keystoning, a warm cast,
under-exposure; and a second pass that changes almost nothing."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.support.finishing_scenes import (
    grey_card_box,
    luma,
    mapped_vertical_angles,
    measured_vertical_angles,
    room,
    tilted_room,
    underexposed,
    warm_cast,
)
from worker.finishing.enhance import EnhanceLimits, auto_enhance
from worker.finishing.tone import ToneLimits
from worker.finishing.verticals import VerticalLimits

SIZE = (960, 720)


def _card_chroma(rgb: np.ndarray) -> float:
    """The CIELAB chroma (distance from grey) of the grey card's mean colour."""
    left, top, right, bottom = grey_card_box(*SIZE)
    mean = rgb[top:bottom, left:right].reshape(-1, 3).mean(axis=0) / 255.0
    lab = cv2.cvtColor(mean.astype(np.float32)[None, None], cv2.COLOR_RGB2Lab)[0, 0]
    return float(np.hypot(lab[1], lab[2]))


def _clipped(rgb: np.ndarray) -> float:
    """The fraction of pixels with a channel at 0 or 255."""
    return float(((rgb == 0) | (rgb == 255)).any(axis=2).mean())


@pytest.mark.parametrize(
    ("size", "pitch", "roll"),
    [(SIZE, 8.0, 3.0), (SIZE, 6.0, -3.0), ((720, 960), 10.0, 3.0), (SIZE, 0.0, 3.0)],
    ids=["pitch8-roll3", "pitch6-roll-3", "portrait", "roll-only"],
)
def test_a_tilted_keystoned_photo_comes_out_with_vertical_verticals(size, pitch, roll):
    photo, camera, drawn = tilted_room(*size, pitch_deg=pitch, roll_deg=roll)
    before = mapped_vertical_angles(camera, drawn.verticals, size)
    assert max(abs(a) for a in before) >= 3.0  # the defect is there to begin with

    enhanced = auto_enhance(Image.fromarray(photo))

    assert enhanced.image.size == size
    assert enhanced.verticals.applied, enhanced.verticals.reason
    assert 0.7 <= enhanced.verticals.keep < 1.0
    through = np.array(enhanced.verticals.homography) @ camera
    geometric = mapped_vertical_angles(through, drawn.verticals, size)
    seen = measured_vertical_angles(np.asarray(enhanced.image), through, drawn.verticals)
    assert len(geometric) >= 4 and len(seen) >= 4
    assert max(abs(a) for a in geometric) <= 0.5, geometric
    assert max(abs(a) for a in seen) <= 0.5, seen


def test_converging_floorboards_are_not_taken_for_verticals():
    """A straight photo of a room whose floorboards run almost vertically towards the middle."""
    enhanced = auto_enhance(Image.fromarray(room(*SIZE).rgb))
    assert not enhanced.verticals.applied
    assert enhanced.verticals.reason == "already straight"
    assert abs(enhanced.verticals.roll_deg) < 0.3 and abs(enhanced.verticals.pitch_deg) < 0.3


@pytest.mark.parametrize(
    "limits",
    [
        VerticalLimits(max_roll_deg=2.0),
        VerticalLimits(max_pitch_deg=4.0),
        VerticalLimits(min_keep=0.95),
    ],
    ids=["roll", "pitch", "crop"],
)
def test_a_correction_beyond_a_limit_leaves_the_geometry_alone(limits):
    photo, _, _ = tilted_room(*SIZE, pitch_deg=8.0, roll_deg=3.0)
    enhanced = auto_enhance(Image.fromarray(photo), EnhanceLimits(verticals=limits))
    assert not enhanced.verticals.applied
    expected = np.asarray(
        auto_enhance(Image.fromarray(photo), EnhanceLimits(straighten=False)).image
    )
    assert np.array_equal(np.asarray(enhanced.image), expected)


def test_a_photo_without_lines_is_not_warped():
    ramp = np.linspace(60, 200, SIZE[0], dtype=np.float32)[None, :, None]
    flat = np.broadcast_to(ramp, (SIZE[1], SIZE[0], 3)).astype(np.uint8)
    enhanced = auto_enhance(Image.fromarray(flat))
    assert not enhanced.verticals.applied
    assert enhanced.verticals.reason in {"no vertical lines found", "too few vertical lines"}


@pytest.mark.parametrize("cast", [(1.0, 0.8, 0.58), (1.0, 0.7, 0.45)], ids=["warm", "tungsten"])
def test_a_grey_card_under_a_warm_cast_loses_most_of_its_chroma_error(cast):
    photo = warm_cast(room(*SIZE).rgb, cast)
    before = _card_chroma(photo)
    assert before > 8.0

    enhanced = auto_enhance(Image.fromarray(photo))

    assert not enhanced.verticals.applied  # the card has not moved
    after = _card_chroma(np.asarray(enhanced.image))
    assert 1 - after / before >= 0.8, (before, after)


def test_a_cast_beyond_the_limit_is_only_partly_removed():
    photo = warm_cast(room(*SIZE).rgb, (1.0, 0.7, 0.45))
    limits = EnhanceLimits(tone=ToneLimits(max_cast=0.1), straighten=False)
    gains = np.array(auto_enhance(Image.fromarray(photo), limits).tone.gains)
    removed = np.hypot(np.log(gains[0] / gains[1]), np.log(gains[2] / gains[1]))
    assert removed == pytest.approx(0.1, abs=1e-3)


def test_an_underexposed_photo_lands_in_the_target_band_without_clipping():
    photo = underexposed(room(*SIZE).rgb, 0.15)
    low, high = ToneLimits().target_band
    assert luma(photo).mean() < low

    result = np.asarray(auto_enhance(Image.fromarray(photo)).image)

    assert low <= luma(result).mean() <= high
    assert _clipped(result) <= 0.005


def test_a_well_exposed_neutral_photo_keeps_its_tones():
    rng = np.random.default_rng(3)
    levels = rng.integers(0, 256, (SIZE[1], SIZE[0]), dtype=np.uint8)
    photo = np.repeat(levels[..., None], 3, axis=2)
    enhanced = auto_enhance(Image.fromarray(photo))
    assert not enhanced.tone_applied
    assert np.array_equal(np.asarray(enhanced.image), photo)


def _every_defect() -> np.ndarray:
    photo, _, _ = tilted_room(*SIZE, pitch_deg=8.0, roll_deg=3.0)
    return underexposed(warm_cast(photo), 0.4)


@pytest.mark.parametrize("via_jpeg", [False, True], ids=["pixels", "jpeg"])
def test_a_second_pass_changes_the_mean_pixel_by_less_than_one_percent(via_jpeg):
    first = auto_enhance(Image.fromarray(_every_defect())).image
    if via_jpeg:
        buffer = io.BytesIO()
        first.save(buffer, "JPEG", quality=92)
        first = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    second = auto_enhance(first).image
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    assert np.abs(b - a).mean() / 255.0 < 0.01
    assert abs(b.mean() - a.mean()) / a.mean() < 0.01


def test_the_same_photo_always_gives_the_same_pixels():
    photo = Image.fromarray(_every_defect())
    assert auto_enhance(photo).image.tobytes() == auto_enhance(photo).image.tobytes()
