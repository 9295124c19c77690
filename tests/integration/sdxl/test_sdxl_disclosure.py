"""The label the sdxl generator burns in is the disclosure of the job's kind (core.disclosure),
in the deployment's words: a staging, a declutter and a restage each say what was done."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from core.settings import DisclosureWording
from jobs.models import JobMode
from tests.factories import room_photo
from tests.integration.sdxl.test_sdxl_removal import FURNISHED, DrawnSegmenter
from tests.support.sdxl import request, run, tiny_settings
from tests.support.tiny_models import TinyModels
from worker.postprocess import label_box

SIZE_FRACTION = 0.06
POSITION = "bottom_left"
REWORDED = "Furniture taken out by software"


@pytest.fixture(scope="module")
def labelling(tiny_models: TinyModels) -> Any:
    from worker.generators.sdxl import SdxlGenerator

    settings = tiny_settings(
        tiny_models,
        label_enabled=True,
        label_position=POSITION,
        label_size_fraction=SIZE_FRACTION,
        removal_dilate_fraction=0.08,
    ).model_copy(update={"disclosure": {"declutter": DisclosureWording(label=REWORDED)}})
    gen = SdxlGenerator.from_settings(settings)
    gen.segmenter = DrawnSegmenter(FURNISHED)
    return gen


@pytest.mark.parametrize(
    ("mode", "kind", "text"),
    [
        (JobMode.STAGE, "stage", "Virtually staged"),
        (JobMode.DECLUTTER, "declutter", REWORDED),
        (JobMode.RESTAGE, "restage", "Virtually restaged"),
        # A staging of a digitally emptied room discloses a replacement (core.disclosure.after).
        (JobMode.STAGE, "restage", "Virtually restaged"),
    ],
)
def test_the_label_names_what_was_done(labelling: Any, mode: JobMode, kind: str, text: str):
    req = request(image=room_photo(320, 200), variants=1, mode=mode, disclosure=kind)
    result, _ = run(labelling, req)
    assert result.clean_images is not None
    labelled, clean = np.asarray(result.images[0]), np.asarray(result.clean_images[0])
    rows, cols = np.nonzero(np.any(labelled != clean, axis=2))
    box = label_box((320, 200), text, position=POSITION, size_fraction=SIZE_FRACTION)
    # The box is drawn over the photo: the changed pixels span it (a pixel the box's own
    # colour already had may sit at an edge, hence the one-pixel slack).
    assert abs(cols.min() - box[0]) <= 1 and abs(cols.max() + 1 - box[2]) <= 1
    assert abs(rows.min() - box[1]) <= 1 and abs(rows.max() + 1 - box[3]) <= 1
