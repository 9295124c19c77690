"""The preview generator's colour rule: patio for sky over greenery, nothing for rooms."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from catalog.sample_photo import sample_room_jpeg
from tests.factories import patio_photo, room_photo
from worker.generators.preview import PreviewGenerator
from worker.generators.preview_guess import guess_from_colours


def test_sky_above_and_lawn_below_is_a_patio():
    assert guess_from_colours(patio_photo()) == "patio"
    assert PreviewGenerator(step_delay_s=0).guess_room_type(patio_photo(1200, 800)) == "patio"


@pytest.mark.parametrize(
    "photo",
    [
        room_photo(),
        Image.open(io.BytesIO(sample_room_jpeg())),
        patio_photo().transpose(Image.Transpose.FLIP_TOP_BOTTOM),  # lawn above, sky below
        Image.new("RGB", (96, 64), (135, 180, 235)),  # all sky, no greenery
        Image.new("RGB", (96, 64), (70, 140, 60)),  # all green, no sky
    ],
    ids=["room", "sample", "upside-down", "sky-only", "green-only"],
)
def test_anything_else_gets_no_guess(photo):
    assert guess_from_colours(photo) is None
