"""An edit's request as the worker reads it: the painted mask, the piece an Add chose, and that
piece's reference image in the style's place (the style's when the piece has none)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.storage import LocalStorage
from jobs.edits import ChosenItem, Edit, EditAction
from jobs.models import JobMode, JobState
from jobs.queue import ClaimedJob
from tests.factories import encode, room_photo
from worker.job_io import load_request

STYLE_REF, ITEM_REF = "styles/1/reference-0.jpg", "edit-items/4/abc.jpg"


def claimed(snapshot: dict) -> ClaimedJob:
    return ClaimedJob(
        id=9, state=JobState.RUNNING, attempt=1, max_attempts=3, locked_by="w", started_at=None,
        lease_expires_at=None, stage="", errors=[], errors_dropped=0, claims=1,
        input_key="jobs/9/input.jpg", room_type="living_room", mode=JobMode.STAGE,
        style_snapshot=snapshot, options={}, variants=1, seed=5,
    )  # fmt: skip


@pytest.mark.parametrize(("item_ref", "colour"), [(ITEM_REF, (20, 200, 40)), (None, (200, 20, 40))])
def test_an_add_reads_its_piece_and_the_piece_s_reference(tmp_path: Path, item_ref, colour):
    storage = LocalStorage(tmp_path, "secret")
    storage.put("jobs/9/input.jpg", encode(room_photo(64, 48), "JPEG"), "image/jpeg")
    storage.put("jobs/9/edit-mask.png", encode(Image.new("L", (64, 48), 255), "PNG"), "image/png")
    storage.put(STYLE_REF, encode(Image.new("RGB", (32, 32), (200, 20, 40)), "JPEG"), "image/jpeg")
    storage.put(ITEM_REF, encode(Image.new("RGB", (32, 32), (20, 200, 40)), "JPEG"), "image/jpeg")
    item = ChosenItem(4, "Fig", "a fig tree", item_ref)
    edit = Edit(EditAction.ADD, "jobs/9/edit-mask.png", item)
    request = load_request(
        storage, claimed({"reference_image_keys": [STYLE_REF], "edit": edit.as_json()})
    )
    assert request.edit is not None and request.edit.item == item
    (reference,) = request.reference_images
    centre = np.asarray(reference)[16, 16].astype(int)
    assert np.abs(centre - np.array(colour)).max() < 8, centre
