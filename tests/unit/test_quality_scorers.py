"""Each quality score on images the test makes: what moves it, and what must not."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from catalog.models import ROOM_TYPES
from catalog.quality import SCORES, meets, shortfall, thresholds_for
from tests.factories import room_photo
from tests.support.look import delta_e76, inner_band, staging
from worker.overlay import paste_back
from worker.quality.scorers import SEAM_RING_PX, furniture_score, leftover_score, seam_score
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


def _room_labels(floor_top: int, pieces: dict[str, tuple[int, int, int, int]]) -> np.ndarray:
    """A 200x200 room: wall above floor_top, floor below, pieces as (top, left, bottom, right)."""
    labels = np.full((200, 200), ID["wall"])
    labels[floor_top:] = ID["floor"]
    for name, (top, left, bottom, right) in pieces.items():
        labels[top:bottom, left:right] = ID[name]
    return labels


def _floor(labels: np.ndarray) -> np.ndarray:
    return labels != ID["wall"]


def test_furniture_counts_pieces_not_their_share_of_the_floor():
    sofa = {"sofa": (130, 40, 170, 140)}  # 4 000 px: 10 % of the photo
    for floor_top in (60, 100, 120):  # the same sofa on a large, middling and small floor
        labels = _room_labels(floor_top, sofa)
        assert furniture_score(labels, ID2LABEL, "living_room", _floor(labels)) == 1
    two = _room_labels(100, {"sofa": (130, 20, 170, 90), "armchair": (140, 120, 175, 170)})
    assert furniture_score(two, ID2LABEL, "living_room", _floor(two)) == 2
    assert furniture_score(two, ID2LABEL, "bedroom", _floor(two)) == 0  # no bed among them
    assert set(KEY_FURNITURE) == set(ROOM_TYPES)


@pytest.mark.parametrize(
    "piece",
    [
        (150, 50, 155, 55),  # a speck of segmentation noise (25 px)
        (0, 0, 200, 190),  # a "sofa" filling the frame
        (20, 40, 80, 140),  # on the wall, outside the staged area
    ],
    ids=["speck", "fills the frame", "outside the mask"],
)
def test_furniture_ignores_pieces_of_implausible_size_or_place(piece):
    labels = _room_labels(100, {"sofa": piece})
    mask = np.zeros((200, 200), dtype=bool)
    mask[100:] = True
    assert furniture_score(labels, ID2LABEL, "living_room", mask) == 0


def test_the_seam_is_read_past_the_feather_within_20_percent_of_the_true_step():
    staged = staging(480, 360)
    photo = staged.image("photo")
    for feather_px in (2, 6, 10):
        truth = paste_back(photo, staged.image("truth"), staged.mask, feather_px=feather_px)
        cast = paste_back(photo, staged.image("generated"), staged.mask, feather_px=feather_px)
        # What a viewer sees: the cast, just past the feather, in ΔE76 (the scorer's unit).
        true_step = delta_e76(cast, truth, inner_band(staged.mask, feather_px, SEAM_RING_PX))
        seen = seam_score(photo, cast, staged.mask, feather_px=feather_px)
        assert abs(seen - true_step) <= 0.2 * true_step, (feather_px, seen, true_step)
        assert seam_score(photo, truth, staged.mask, feather_px=feather_px) < 0.5
    # Read inside the feather (the old bands), a 10 px feather hid most of the step.
    assert seam_score(photo, cast, staged.mask) < 0.5 * true_step


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
    assert meets("furniture", 2, 1) and not meets("furniture", 0, 1)
    assert shortfall({"seam": 2.0, "furniture": 1, "style": 0.01}, thresholds) == 0
    assert shortfall({"seam": 6.0}, thresholds) > shortfall({"seam": 4.0}, thresholds) > 0
    # A style threshold of 0 still ranks misses by their size, in units of 0.02.
    assert shortfall({"style": -0.02}, thresholds) == pytest.approx(1.0)
    assert shortfall({"style": -0.04}, thresholds) > shortfall({"seam": 10.0}, thresholds)
