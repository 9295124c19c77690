"""Edits on the sdxl path (tiny models): only the painted region, grown and feathered, changes;
an Add asks for its piece, in the room's style."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from jobs.edits import ChosenItem, EditAction
from jobs.models import JobMode
from tests.support.sdxl import request, run
from worker.edits import edit_region
from worker.generators.base import EditRequest

FIG = ChosenItem(3, "Fig", "a tall fiddle-leaf fig in a white pot", None)


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
        (EditAction.ADD, JobMode.STAGE, "Denoising"),
        (EditAction.ADD, JobMode.DECLUTTER, "Denoising"),  # a piece added to an emptied room
    ],
)
def test_an_edit_changes_only_the_grown_painted_region(
    sdxl_generator: Any, action: EditAction, mode: JobMode, pass_label: str
) -> None:
    base = request(variants=1)
    mask = painted(base.image.size, (30, 30, 60, 56))
    item = FIG if action is EditAction.ADD else None
    req = request(variants=1, mode=mode, edit=EditRequest(action, mask, item), disclosure="edited")
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


def test_an_add_asks_for_its_piece(sdxl_generator: Any) -> None:
    """The same seed and region: the piece's prompt, not the style's, makes a different picture;
    the same piece makes the same one."""
    mask = painted(request().image.size, (30, 30, 60, 56))

    def edited(action: EditAction, item: ChosenItem | None) -> bytes:
        req = request(variants=1, edit=EditRequest(action, mask, item), disclosure="edited")
        result, _ = run(sdxl_generator, req)
        return (result.clean_images or result.images)[0].tobytes()

    added = edited(EditAction.ADD, FIG)
    assert added != edited(EditAction.REDO, None)
    assert added != edited(EditAction.ADD, ChosenItem(4, "Stool", "a low wooden stool", None))
    assert added == edited(EditAction.ADD, FIG)
