"""Each quality score on images the test makes: what moves it, and what must not."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from catalog.models import ROOM_TYPES
from catalog.quality import SCORES, meets, shortfall, thresholds_for
from tests.factories import room_photo
from worker.quality.scorers import furniture_score, leftover_score, seam_score
from worker.vision.ade20k import ADE20K_LABELS
from worker.vision.furniture import KEY_FURNITURE

ID2LABEL = dict(enumerate(ADE20K_LABELS))
ID = {name: index for index, name in ID2LABEL.items()}


def _floor_mask(photo: Image.Image) -> np.ndarray:
    mask = np.zeros((photo.height, photo.width), dtype=bool)
    mask[round(photo.height * 0.62) :] = True
    return mask


def _cast(photo: Image.Image, mask: np.ndarray, shift: tuple[int, int, int]) -> Image.Image:
    pixels = np.asarray(photo, dtype=np.int16).copy()
    pixels[mask] += np.array(shift, dtype=np.int16)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def test_seam_is_zero_for_the_photo_and_grows_with_a_colour_cast():
    photo = room_photo(160, 120)
    mask = _floor_mask(photo)
    # The mask edge lies on the photo's own wall/floor edge: that jump is not a seam.
    assert seam_score(photo, photo, mask) == 0
    small = seam_score(photo, _cast(photo, mask, (8, 4, 0)), mask)
    large = seam_score(photo, _cast(photo, mask, (40, 20, -20)), mask)
    assert 0 < small < large and large > SCORES["seam"].default
    # A change well inside the mask, away from its edge, is no seam.
    interior = np.zeros_like(mask)
    interior[90:110, 40:120] = True
    assert seam_score(photo, _cast(photo, interior, (40, 20, -20)), mask) == 0


def test_seam_of_an_inner_patch_with_a_cast():
    photo = Image.new("RGB", (120, 90), (200, 190, 170))
    mask = np.zeros((90, 120), dtype=bool)
    mask[30:60, 40:80] = True
    assert seam_score(photo, _cast(photo, mask, (0, 0, 0)), mask) == 0
    assert seam_score(photo, _cast(photo, mask, (-60, -60, -60)), mask) > 20


def _labels(fill: str, box: str, share_rows: int) -> np.ndarray:
    labels = np.full((100, 100), ID[fill])
    labels[100 - share_rows :, :] = ID[box]
    return labels


def test_furniture_score_counts_the_room_types_key_furniture_inside_the_mask():
    mask = np.zeros((100, 100), dtype=bool)
    mask[50:] = True
    labels = _labels("floor", "bed", 20)  # 20 of the mask's 50 rows are bed
    assert furniture_score(labels, ID2LABEL, "bedroom", mask) == pytest.approx(0.4)
    assert furniture_score(labels, ID2LABEL, "living_room", mask) == 0
    sofa = _labels("floor", "sofa", 5)
    assert furniture_score(sofa, ID2LABEL, "living_room", mask) == pytest.approx(0.1)
    assert set(KEY_FURNITURE) == set(ROOM_TYPES)


def test_leftover_score_counts_furniture_left_in_the_removal_mask():
    removed = np.zeros((100, 100), dtype=bool)
    removed[60:] = True
    assert leftover_score(_labels("floor", "floor", 0), ID2LABEL, removed) == 0
    assert leftover_score(_labels("floor", "chair", 10), ID2LABEL, removed) == pytest.approx(0.25)
    assert leftover_score(_labels("wall", "wall", 0), ID2LABEL, np.zeros_like(removed)) == 0


def test_thresholds_defaults_overrides_and_ranking():
    thresholds = thresholds_for({"seam": 3.0})
    assert thresholds["seam"] == 3.0 and thresholds["furniture"] == SCORES["furniture"].default
    assert meets("seam", 2.0, 3.0) and not meets("seam", 4.0, 3.0)
    assert meets("furniture", 0.5, 0.1) and not meets("furniture", 0.05, 0.1)
    assert shortfall({"seam": 2.0, "furniture": 0.2}, thresholds) == 0
    assert shortfall({"seam": 6.0}, thresholds) > shortfall({"seam": 4.0}, thresholds) > 0
