"""Edits on the preview generator: the painted part changes, every other pixel is the result's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageDraw

from jobs.edits import ChosenItem, EditAction
from jobs.models import JobMode
from tests.unit.test_preview import generate, request
from worker.edits import GROW_FRACTION, edit_region
from worker.generators.base import EditRequest, StopRequested
from worker.generators.preview import hex_to_rgb
from worker.generators.preview_add import MARGIN


def staged_result() -> Image.Image:
    """A preview staging: the photo an edit starts from."""
    result, _ = generate(request(variants=1, size=(320, 240)))
    return result.images[0]


def brush(size: tuple[int, int], box: tuple[int, int, int, int]) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box, fill=255)
    return mask


@pytest.mark.parametrize(
    ("action", "mode"),
    [
        (EditAction.REMOVE, JobMode.STAGE),
        (EditAction.REDO, JobMode.STAGE),
        (EditAction.REDO, JobMode.DECLUTTER),
        (EditAction.REMOVE, JobMode.RESTAGE),
        (EditAction.ADD, JobMode.STAGE),
        (EditAction.ADD, JobMode.DECLUTTER),
    ],
)
def test_only_the_grown_painted_region_changes(action: EditAction, mode: JobMode) -> None:
    photo = staged_result()
    mask = brush(photo.size, (100, 150, 220, 215))  # over the sofa
    req = dataclasses.replace(
        request(variants=1, size=photo.size),
        image=photo,
        mode=mode,
        edit=EditRequest(action, mask),
        seed=77,
    )
    result, progress = generate(req)
    (image,) = result.images
    region = edit_region(mask, photo.size)
    before, after = np.asarray(photo), np.asarray(image)
    assert np.array_equal(after[~region], before[~region])
    assert (after[region] != before[region]).any()
    assert np.array_equal(np.asarray(result.mask) > 127, region)
    grow = round(GROW_FRACTION * min(photo.size))
    assert region[150 - grow, 160] and not region[150 - grow - 2, 160]
    assert progress[-1][1] == "Compositing"


def test_remove_fills_the_region_flat_and_redo_draws_something_new() -> None:
    photo = staged_result()
    mask = brush(photo.size, (100, 160, 220, 215))
    removed, _ = generate(dataclasses.replace(
        request(variants=1, size=photo.size), image=photo,
        edit=EditRequest(EditAction.REMOVE, mask)))  # fmt: skip
    inside = np.asarray(removed.images[0])[165:210, 105:215].reshape(-1, 3)
    assert len(np.unique(inside, axis=0)) <= 2  # floor colour (and wall above the horizon)
    redo_a, _ = generate(dataclasses.replace(
        request(variants=1, size=photo.size), image=photo, seed=1,
        edit=EditRequest(EditAction.REDO, mask)))  # fmt: skip
    redo_b, _ = generate(dataclasses.replace(
        request(variants=1, size=photo.size), image=photo, seed=2,
        edit=EditRequest(EditAction.REDO, mask)))  # fmt: skip
    assert not np.array_equal(np.asarray(redo_a.images[0]), np.asarray(redo_b.images[0]))


def test_a_stop_during_an_edit_writes_nothing() -> None:
    photo = staged_result()
    req = dataclasses.replace(
        request(variants=1, size=photo.size),
        image=photo,
        edit=EditRequest(EditAction.REMOVE, brush(photo.size, (10, 10, 50, 50))),
    )
    with pytest.raises(StopRequested):
        generate(req, should_stop=lambda: True)


def test_add_draws_one_block_in_the_palette_fitted_to_the_region() -> None:
    photo = staged_result()
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).ellipse((40, 120, 140, 200), fill=255)  # a round brush mark
    fig = ChosenItem(7, "Fig", "a fig tree", None)
    req = dataclasses.replace(request(variants=1, size=photo.size), image=photo,
                              edit=EditRequest(EditAction.ADD, mask, fig))  # fmt: skip
    result, _ = generate(req)
    region = edit_region(mask, photo.size)
    before, after = np.asarray(photo), np.asarray(result.images[0])
    assert np.array_equal(after[~region], before[~region])
    rows, cols = np.nonzero(region)
    height = rows.max() - rows.min()
    centre = after[(rows.min() + rows.max()) // 2, (cols.min() + cols.max()) // 2].astype(int)
    palette = [np.array(hex_to_rgb(c)) for c in req.style["palette"]]
    # The middle of the block is one of the palette's colours, lit or shaded (0.8 to 1.15).
    assert any(
        all(round(c * f) - 2 <= v <= round(c * f) + 2 for c, v in zip(colour, centre, strict=True))
        for colour in palette
        for f in (0.8, 1.15)
    ), centre
    middle = (cols.min() + cols.max()) // 2
    top = (rows.min() + int(height * MARGIN / 2), middle)
    assert region[top] and np.array_equal(after[top], before[top])  # in from the box's edge
    again, _ = generate(req)
    assert np.array_equal(np.asarray(again.images[0]), after)  # deterministic for a seed
