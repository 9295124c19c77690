"""SDXL buckets, exact paste-back and the disclosure label."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.factories import room_photo
from worker.generators.buckets import nearest_bucket
from worker.overlay import paste_back, photo_mask
from worker.postprocess import draw_label, label_box


@pytest.mark.parametrize(
    ("size", "bucket"),
    [
        ((1000, 1000), (1024, 1024)),
        ((1920, 1080), (1344, 768)),
        ((1080, 1920), (768, 1344)),
        ((4032, 3024), (1152, 896)),
        ((3000, 1000), (1728, 576)),
    ],
)
def test_nearest_sdxl_bucket(size: tuple[int, int], bucket: tuple[int, int]) -> None:
    assert nearest_bucket(*size, target_pixels=1024 * 1024) == bucket


def test_tiny_buckets_follow_the_target_pixels() -> None:
    assert nearest_bucket(96, 64, target_pixels=8192) == (128, 64)
    assert nearest_bucket(64, 96, target_pixels=8192) == (64, 128)
    width, height = nearest_bucket(1234, 777, target_pixels=512 * 512, multiple=64)
    assert width % 64 == 0 and height % 64 == 0


def test_paste_back_keeps_every_pixel_outside_the_mask() -> None:
    photo = room_photo(97, 61)
    generated = Image.new("RGB", (128, 64), (0, 255, 0))
    working = np.zeros((64, 128), dtype=bool)
    working[40:, :] = True
    mask = photo_mask(working, photo.size)
    result = paste_back(photo, generated, mask, feather_px=4)
    before, after = np.asarray(photo), np.asarray(result)
    assert result.size == photo.size
    assert (after[~mask] == before[~mask]).all()
    assert (after[-1, 48] == (0, 255, 0)).all()
    assert (after[mask] != before[mask]).any()


def test_label_is_drawn_on_a_copy_in_the_chosen_corner() -> None:
    photo = room_photo(200, 120)
    labelled = draw_label(photo, "Virtually staged", position="bottom_right", size_fraction=0.08)
    diff = np.any(np.asarray(labelled) != np.asarray(photo), axis=2)
    assert diff.any() and photo.tobytes() == room_photo(200, 120).tobytes()
    rows, cols = np.nonzero(diff)
    assert rows.min() > 60 and cols.min() > 60


def test_label_box_follows_the_position_and_refuses_an_unknown_one() -> None:
    size = (300, 200)
    left, top, _, bottom = label_box(
        size, "Virtually staged", position="top_left", size_fraction=0.1
    )
    assert left < 20 and top < 20 and bottom < 60
    c_left, _, c_right, c_bottom = label_box(
        size, "Virtually staged", position="bottom_center", size_fraction=0.1
    )
    assert abs((c_left + c_right) / 2 - 150) <= 1 and c_bottom > 180
    with pytest.raises(ValueError, match="middle_left"):
        label_box(size, "x", position="middle_left", size_fraction=0.1)
