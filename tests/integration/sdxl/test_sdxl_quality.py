"""The sdxl generator behind the quality gate (tiny models, tiny CLIP) in the worker loop, every
mode, on both databases; and the CLIP scorer on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.db import transaction
from core.settings import GeneratorName
from core.storage import make_storage
from jobs.models import Job, JobMode, JobState
from tests.factories import room_photo, stored_job
from tests.integration.sdxl.test_sdxl_removal import DrawnSegmenter
from tests.support.sdxl import tiny_settings
from tests.support.tiny_clip import tiny_clip
from tests.support.tiny_models import TinyModels
from worker.generators import build_generator
from worker.loop import Worker
from worker.quality.scorers import ClipScorer
from worker.signals import Shutdown

ROOM = {"sofa": (0.3, 0.5, 0.7, 0.8), "windowpane": (0.35, 0.2, 0.6, 0.45)}
EXPECTED = {  # the gate's scores per mode the sdxl pipeline runs (finishing passes are unscored)
    JobMode.STAGE: {"seam", "furniture", "style"},
    JobMode.DECLUTTER: {"seam", "leftover"},
    JobMode.RESTAGE: {"seam", "furniture", "style"},
}


@pytest.fixture(scope="module")
def clip_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture(scope="module")
def gated(tiny_models: TinyModels, clip_path: Path) -> Any:
    settings = tiny_settings(tiny_models, quality_clip_model=str(clip_path), steps=2)
    settings = settings.model_copy(
        update={"generator": GeneratorName.SDXL, "quality_max_rerolls": 1}
    )
    gate: Any = build_generator(settings)  # Any: the test reaches into the gate's generator
    gate.inner.segmenter = gate.scorer.segmenter = DrawnSegmenter(ROOM)
    return gate


def test_every_mode_is_scored_and_rerolled_in_the_worker_loop(
    settings, engine, session_factory, gated
):
    storage = make_storage(settings)
    ids = {}
    with transaction(session_factory) as session:
        for mode in EXPECTED:
            job = stored_job(
                session, storage, mode=mode, variants=1, seed=11, input_width=96, input_height=64
            )
            ids[mode] = job.id
    worker = Worker(settings, generator=gated, storage=storage, engine=engine, shutdown=Shutdown(1))
    try:
        for _ in EXPECTED:
            assert worker.run_once()
    finally:
        worker.close()
    with session_factory() as session:
        for mode, job_id in ids.items():
            job = session.get(Job, job_id)
            assert job.state is JobState.COMPLETED, (mode, job.errors)
            assert job.generator == "sdxl"
            assert job.room_type_guess == "living_room"  # the drawn sofa
            (record,) = job.result_scores
            assert set(record["values"]) == EXPECTED[mode], mode
            assert 1 <= record["attempts"] <= 2 and len(record["seeds"]) == record["attempts"]
            assert job.result_seeds[0] in record["seeds"]
            assert record["passed"] == all(
                value >= record["thresholds"][name]
                if name in ("furniture", "style")
                else value <= record["thresholds"][name]
                for name, value in record["values"].items()
            )


def test_clip_similarity_is_a_cosine_and_tells_images_apart(clip_path: Path) -> None:
    clip = ClipScorer.from_pretrained(str(clip_path), device="cpu")
    room, other = room_photo(96, 64), Image.new("RGB", (96, 64), (20, 120, 40))
    first = clip(room, "a living room with oak furniture")
    assert -1 <= first <= 1
    assert clip(room, "a living room with oak furniture") == first
    assert clip(other, "a living room with oak furniture") != first
    assert clip(room, "the room") != first
    # Prompts longer than CLIP's 77 tokens are cut, not an error.
    assert -1 <= clip(room, "the room " * 200) <= 1
    # Several texts at once (padded to the longest) give each one's similarity.
    texts = ["a living room with oak furniture", "the room", "the room " * 200]
    assert clip.similarities(room, texts) == pytest.approx([clip(room, t) for t in texts], abs=1e-5)
