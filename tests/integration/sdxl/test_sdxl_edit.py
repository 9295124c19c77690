"""Edits on the sdxl path (tiny models): only the painted region, grown and feathered, changes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from jobs.edits import EditAction
from jobs.models import JobMode
from tests.support.sdxl import request, run
from worker.edits import edit_region
from worker.generators.base import EditRequest


def painted(size: tuple[int, int], box: tuple[int, int, int, int]) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=255)
    return mask


@pytest.mark.parametrize(
    ("action", "mode", "pass_label"),
    [
        (EditAction.REMOVE, JobMode.STAGE, "Removing"),
        (EditAction.REDO, JobMode.STAGE, "Denoising"),
        (EditAction.REDO, JobMode.DECLUTTER, "Removing"),  # a removal's redo removes again
    ],
)
def test_an_edit_changes_only_the_grown_painted_region(
    sdxl_generator: Any, action: EditAction, mode: JobMode, pass_label: str
) -> None:
    base = request(variants=1)
    mask = painted(base.image.size, (30, 30, 60, 56))
    req = request(variants=1, mode=mode, edit=EditRequest(action, mask), disclosure="edited")
    result, progress = run(sdxl_generator, req)
    region = edit_region(mask, req.image.size)
    assert region.sum() > (np.asarray(mask) > 127).sum()  # grown past the brush's edge
    assert np.array_equal(np.asarray(result.mask) > 127, region)
    photo = np.asarray(req.image)
    (image,) = result.clean_images or result.images
    pixels = np.asarray(image)
    assert pixels.shape == photo.shape
    assert np.array_equal(pixels[~region], photo[~region])  # bit-identical outside
    assert (pixels[region] != photo[region]).any()
    stages = {stage.split(" ")[0] for _, stage in progress}
    assert pass_label in stages, stages
    assert len(result.seeds) == 1
