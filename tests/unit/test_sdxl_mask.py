"""Staging mask logic on synthetic ADE20K label maps."""

from __future__ import annotations

import numpy as np
import pytest

from worker.vision.ade20k import (
    ADE20K_LABELS,
    FLOOR_CLASSES,
    PROTECTED_CLASSES,
    class_ids,
    floor_classes,
    normalise,
)
from worker.vision.mask import dilate, feather, geometric_mask, staging_mask

ID = {name: index for index, name in enumerate(ADE20K_LABELS)}
ID2LABEL = dict(enumerate(ADE20K_LABELS))


def room_labels(height: int = 40, width: int = 60) -> np.ndarray:
    """Ceiling on top, wall with a window and a door, floor with a radiator standing on it."""
    labels = np.full((height, width), ID["wall"])
    labels[:5] = ID["ceiling"]
    labels[25:] = ID["floor"]
    labels[8:18, 10:20] = ID["windowpane"]
    labels[10:30, 40:48] = ID["door"]
    labels[22:28, 25:32] = ID["radiator"]
    return labels


def test_mask_covers_floor_and_wall_band_but_no_protected_class() -> None:
    labels = room_labels()
    mask = staging_mask(
        labels,
        ID2LABEL,
        floor=FLOOR_CLASSES,
        protected=PROTECTED_CLASSES,
        wall_band_fraction=0.25,
        dilate_px=2,
    )
    protected = np.isin(labels, class_ids(ID2LABEL, PROTECTED_CLASSES))
    assert not (mask & protected).any()
    assert mask[labels == ID["floor"]].sum() == ((labels == ID["floor"]) & ~protected).sum()
    # Band of 10 rows of wall over the floor (rows 15..24), never the ceiling.
    assert mask[16:25, 0:8].all()
    assert not mask[:5].any()
    assert not mask[5:12, 0:8].any()


def test_protected_classes_can_be_overridden_per_style() -> None:
    labels = room_labels()
    mask = staging_mask(
        labels,
        ID2LABEL,
        floor=FLOOR_CLASSES,
        protected=frozenset({"windowpane"}),
        wall_band_fraction=0.25,
        dilate_px=3,
    )
    assert mask[labels == ID["radiator"]].all()
    assert not mask[labels == ID["windowpane"]].any()


def test_labels_match_by_name_in_any_order_and_alias() -> None:
    shuffled = {0: "windowpane, window", 1: "floor, flooring", 2: "wall"}
    labels = np.array([[2, 2, 0], [1, 1, 1]])
    mask = staging_mask(
        labels,
        shuffled,
        floor=FLOOR_CLASSES,
        protected=PROTECTED_CLASSES,
        wall_band_fraction=1.0,
        dilate_px=0,
    )
    assert mask.tolist() == [[True, True, False], [True, True, True]]
    assert normalise("bed ") == {"bed"}


def test_no_floor_gives_an_empty_mask() -> None:
    labels = np.full((10, 10), ID["wall"])
    mask = staging_mask(
        labels,
        ID2LABEL,
        floor=FLOOR_CLASSES,
        protected=PROTECTED_CLASSES,
        wall_band_fraction=0.5,
        dilate_px=3,
    )
    assert not mask.any()


def test_geometric_fallback_is_the_bottom_band() -> None:
    mask = geometric_mask(8, 20, floor_fraction=0.45)
    assert mask[11:].all() and not mask[:11].any()


def test_dilate_grows_by_radius() -> None:
    mask = np.zeros((11, 11), dtype=bool)
    mask[5, 5] = True
    grown = dilate(mask, 2)
    assert grown[5, 3] and grown[3, 5] and not grown[5, 2]


@pytest.mark.parametrize("radius", [0, 3])
def test_feather_is_zero_outside_and_full_deep_inside(radius: int) -> None:
    mask = np.zeros((30, 30), dtype=bool)
    mask[5:25, 5:25] = True
    alpha = feather(mask, radius)
    assert (alpha[~mask] == 0).all()
    assert alpha[15, 15] == pytest.approx(1.0)
    assert ((alpha >= 0) & (alpha <= 1)).all()
    if radius:
        assert 0 < alpha[5, 15] < alpha[7, 15] <= 1


@pytest.mark.parametrize("ground", ["grass", "sidewalk", "path", "earth"])
def test_outdoor_room_types_stage_the_ground_outside(ground: str) -> None:
    labels = np.full((20, 30), ID["sky"])
    labels[8:] = ID["wall"]
    labels[12:] = ID[ground]
    indoor = staging_mask(
        labels,
        ID2LABEL,
        floor=floor_classes("living_room"),
        protected=PROTECTED_CLASSES,
        wall_band_fraction=0.25,
        dilate_px=0,
    )
    patio = staging_mask(
        labels,
        ID2LABEL,
        floor=floor_classes("patio"),
        protected=PROTECTED_CLASSES,
        wall_band_fraction=0.25,
        dilate_px=0,
    )
    assert not indoor.any()
    assert patio[8:].all() and not patio[:8].any()
