"""Colour match on a ring around the mask: the seam loses the cast, the furniture keeps its colour.

Colour differences are CIEDE2000 (skimage's reference implementation); the staging is synthetic
(tests/support/look.py), so the colour every pixel should have is known.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.support.look import delta_e, inner_band, staging
from worker.engine.colour import colour_match
from worker.overlay import paste_back

FEATHER_PX = 3
RING_PX = 8


def _seam(staged, image: Image.Image) -> float:
    """Mean CIEDE2000, over the 8 px inside the mask edge, between the pasted image and the
    pasted truth: the step a viewer sees at the seam."""
    photo = staged.image("photo")
    truth = paste_back(photo, staged.image("truth"), staged.mask, feather_px=FEATHER_PX)
    pasted = paste_back(photo, image, staged.mask, feather_px=FEATHER_PX)
    return delta_e(pasted, truth, inner_band(staged.mask, 0, RING_PX))


@pytest.mark.parametrize("lamp", [False, True], ids=["cast", "cast and a lamp over the edge"])
def test_the_seam_loses_80_percent_and_the_furniture_stays_within_3_delta_e(lamp: bool) -> None:
    staged = staging(lamp=lamp)
    generated = staged.image("generated")
    matched = colour_match(generated, staged.image("photo"), staged.mask, ring_px=RING_PX)
    before, after = _seam(staged, generated), _seam(staged, matched)
    assert before > 8
    assert after <= 0.2 * before
    # The sofa, far from the ring, is mapped back to its true colour, not repainted.
    assert delta_e(matched, staged.truth, staged.sofa) <= 3


def test_extra_texture_in_the_generation_keeps_the_furniture_contrast() -> None:
    staged = staging(texture=8.0, gain=np.ones(3), offset=np.zeros(3))
    generated = staged.image("generated")
    matched = colour_match(generated, staged.image("photo"), staged.mask, ring_px=RING_PX)
    assert delta_e(matched, generated, staged.sofa) <= 1.5
    assert np.std(np.asarray(matched)[staged.sofa]) >= 0.95 * np.std(staged.generated[staged.sofa])


def test_a_cast_that_varies_across_the_room_is_corrected_along_the_whole_edge() -> None:
    staged = staging(gain=np.ones(3), offset=np.zeros(3))
    x = np.linspace(-0.5, 0.5, staged.mask.shape[1])[None, :]
    ramp = np.stack([30 * x, -20 * x, 10 + 0 * x], -1)
    generated = Image.fromarray(np.clip(staged.truth + ramp, 0, 255).round().astype(np.uint8))
    matched = colour_match(generated, staged.image("photo"), staged.mask, ring_px=RING_PX)
    assert _seam(staged, matched) <= 0.2 * _seam(staged, generated)


def test_outside_the_mask_the_paste_keeps_the_photo() -> None:
    staged = staging(lamp=True)
    matched = colour_match(staged.image("generated"), staged.image("photo"), staged.mask, ring_px=8)
    pasted = np.asarray(paste_back(staged.image("photo"), matched, staged.mask, feather_px=3))
    assert (pasted[~staged.mask] == staged.photo[~staged.mask]).all()


def test_without_a_ring_the_generation_is_unchanged() -> None:
    staged = staging(40, 30)
    everything = np.ones((30, 40), dtype=bool)
    image = staged.image("generated")
    assert colour_match(image, staged.image("photo"), everything, ring_px=4) is image
