"""The preview generator's modes on the furnished sample room: erase, then stage or not."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from catalog.sample_photo import furnished_room_jpeg, furniture_boxes
from jobs.models import PHOTO_MODES, JobMode
from worker.generators.base import GenerationRequest
from worker.generators.preview import PreviewGenerator, staging_mask

STYLE = {"palette": ["#aa8866", "#334455", "#667788", "#998877"]}


def _photo(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _run(mode: JobMode, variants: int = 1):
    request = GenerationRequest(
        1, _photo(furnished_room_jpeg()), "living_room", STYLE, variants, seed=5, mode=mode
    )
    return PreviewGenerator(step_delay_s=0).generate(request, lambda f, s: None, lambda: False)


COLOURS = {
    "rug": (150, 60, 55),
    "sofa": (70, 90, 120),
    "table": (60, 45, 35),
    "box": (185, 150, 95),
}
"""The main colour of each piece furnished_room_jpeg draws."""


def _share_of(image: Image.Image, box, colour) -> float:
    """The share of the box's pixels within a small distance of the colour."""
    pixels = np.asarray(image.crop(box), dtype=np.float32)
    return float((np.abs(pixels - colour).max(axis=-1) < 20).mean())


@pytest.mark.parametrize("mode", PHOTO_MODES)
def test_only_pixels_inside_the_mask_change(mode):
    result = _run(mode, variants=2)
    photo = np.asarray(_photo(furnished_room_jpeg()))
    outside = np.asarray(result.mask) == 0
    assert outside.any()
    for image in result.images:
        assert np.array_equal(np.asarray(image)[outside], photo[outside])


def test_declutter_erases_every_labelled_piece():
    furnished = _photo(furnished_room_jpeg())
    image = _run(JobMode.DECLUTTER).images[0]
    for name, box in furniture_boxes().items():
        assert _share_of(furnished, box, COLOURS[name]) > 0.2, name
        assert _share_of(image, box, COLOURS[name]) == 0, name


def test_restage_stages_the_emptied_room_and_stage_keeps_its_mask():
    stage, declutter, restage = (
        _run(mode) for mode in (JobMode.STAGE, JobMode.DECLUTTER, JobMode.RESTAGE)
    )
    assert stage.mask.tobytes() != declutter.mask.tobytes()
    assert stage.mask.tobytes() == staging_mask(stage.mask.size).tobytes()
    assert declutter.mask.tobytes() == restage.mask.tobytes()
    # Restage draws its own furniture on the emptied room; the old sofa is gone in both.
    sofa = furniture_boxes()["sofa"]
    for result in (declutter, restage):
        assert _share_of(result.images[0], sofa, COLOURS["sofa"]) < 0.01
    assert not np.array_equal(np.asarray(restage.images[0]), np.asarray(declutter.images[0]))
