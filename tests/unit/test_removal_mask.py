"""Declutter keeps the property: labelled synthetic rooms through the real removal mask, with the
worker's default protected classes (job_params of a style that sets none)."""

from __future__ import annotations

import numpy as np
import pytest

from core.settings import SdxlSettings
from tests.support.label_rooms import ID, ID2LABEL, box, room
from worker.generators.sdxl_params import job_params
from worker.vision.removal import carpet, removal_mask

DILATE_PX = 3
PROTECTED = job_params({}, "bedroom", SdxlSettings(), fast_tier_loaded=False).protected
BED = ("bed", 0.55, 0.3, 0.85, 0.7)
NIGHTSTAND = ("table", 0.6, 0.75, 0.75, 0.85)
WARDROBE = ("wardrobe", 0.15, 0.02, 0.8, 0.22)
FAN = ("fan", 0.0, 0.4, 0.08, 0.6)
WINDOW = ("windowpane", 0.2, 0.45, 0.45, 0.7)


def _removed(labels: np.ndarray) -> np.ndarray:
    return removal_mask(labels, ID2LABEL, protected=PROTECTED, dilate_px=DILATE_PX)


def test_a_carpeted_bedroom_loses_its_furniture_and_keeps_carpet_and_built_ins() -> None:
    parts = (WARDROBE, FAN, WINDOW, BED, NIGHTSTAND)
    labels = room(*parts, floor="rug")
    mask = _removed(labels)
    shape = labels.shape
    assert mask[box(shape, BED)].all() and mask[box(shape, NIGHTSTAND)].all()
    for kept in (WARDROBE, FAN, WINDOW):
        assert not mask[box(shape, kept)].any(), kept[0]
    # The carpet stays, but for the contact shadows around the bed and nightstand.
    near = box(shape, ("bed", 0.5, 0.25, 0.9, 0.9))
    assert not mask[(labels == ID["rug"]) & ~near].any()
    assert mask[(labels == ID["rug"]) & near].any()


def test_an_area_rug_on_hard_floor_goes_with_the_sofa() -> None:
    rug = ("rug", 0.7, 0.2, 0.9, 0.8)
    sofa = ("sofa", 0.55, 0.3, 0.78, 0.7)
    labels = room(("shelf", 0.2, 0.8, 0.6, 0.95), rug, sofa)
    mask = _removed(labels)
    assert mask[box(labels.shape, rug)].all() and mask[box(labels.shape, sofa)].all()
    assert not mask[box(labels.shape, ("shelf", 0.2, 0.8, 0.6, 0.95))].any()
    assert not carpet(labels, ID2LABEL).any()


def test_a_rug_reaching_the_walls_is_carpet_even_with_hard_floor_in_a_doorway() -> None:
    labels = room(("floor", 0.9, 0.4, 1.0, 0.6), floor="rug")  # tiles at the threshold
    assert carpet(labels, ID2LABEL).sum() == (labels == ID["rug"]).sum()


def test_a_kitchen_keeps_its_washer_and_over_range_microwave() -> None:
    microwave = ("microwave", 0.25, 0.4, 0.38, 0.6)
    washer = ("washer", 0.5, 0.05, 0.85, 0.25)
    chair = ("chair", 0.55, 0.7, 0.9, 0.8)
    labels = room(("stove", 0.5, 0.4, 0.75, 0.6), microwave, washer, chair)
    mask = _removed(labels)
    assert mask[box(labels.shape, chair)].all()
    assert not mask[box(labels.shape, microwave)].any()
    assert not mask[box(labels.shape, washer)].any()


def test_a_style_that_lists_its_own_protected_classes_decides_for_itself() -> None:
    labels = room(WARDROBE, BED, floor="rug")
    mask = removal_mask(labels, ID2LABEL, protected=frozenset({"rug"}), dilate_px=0)
    assert mask[box(labels.shape, WARDROBE)].all()  # a freestanding wardrobe may go
    assert not mask[labels == ID["rug"]].any()  # and every rug stays


@pytest.mark.parametrize("word", ["rug", "carpet"])
def test_the_removal_prompts_do_not_ask_to_strip_the_floor_covering(word: str) -> None:
    settings = SdxlSettings()
    assert word not in settings.declutter_negative_prompt
    assert word not in settings.declutter_prompt and "bare floor" not in settings.declutter_prompt
