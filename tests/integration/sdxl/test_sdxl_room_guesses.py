"""The sdxl worker answers a room type guess with its real segmenter (a tiny UperNet whose
logits force one ADE20K class), through the production loaders, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from core.db import transaction
from core.images import NormalisedImage
from core.settings import GeneratorName
from core.storage import make_storage
from jobs.room_guesses import GuessState, RoomGuess, create_guess
from tests.factories import encode, make_user, room_photo
from tests.support.sdxl import tiny_settings
from tests.support.tiny_models import TinyModels, ade_id2label, upernet
from worker.generators import build_generator
from worker.loop import Worker
from worker.signals import Shutdown
from worker.vision.ade20k import ADE20K_LABELS


@pytest.fixture(scope="module")
def bed_everywhere(tiny_models: TinyModels, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The gated sdxl generator whose segmenter sees a bed in every pixel."""
    path = tmp_path_factory.mktemp("forced-bed") / "upernet"
    upernet(path, id2label=ade_id2label(list(ADE20K_LABELS)), force="bed")
    settings = tiny_settings(tiny_models, segmentation_model=str(path), steps=2)
    return build_generator(settings.model_copy(update={"generator": GeneratorName.SDXL}))


def test_sdxl_generator_guesses_from_its_segmentation(bed_everywhere: Any) -> None:
    assert bed_everywhere.guess_room_type(room_photo(300, 200)) == "bedroom"


def test_sdxl_without_a_segmenter_makes_no_guess(sdxl_generator: Any) -> None:
    assert sdxl_generator.guess_room_type(room_photo(96, 64)) is None


def test_sdxl_worker_answers_a_guess(
    settings, engine, session_factory, bed_everywhere: Any
) -> None:
    storage = make_storage(settings)
    photo = room_photo(120, 80)
    with transaction(session_factory) as session:
        guess = create_guess(
            session,
            user=make_user(session),
            image=NormalisedImage(encode(photo, "JPEG"), *photo.size),
            storage=storage,
        )
    worker = Worker(
        settings,
        generator=bed_everywhere,
        storage=storage,
        engine=engine,
        shutdown=Shutdown(1),
    )
    try:
        assert not worker.run_once()  # no job: the guess alone
    finally:
        worker.close()
    with session_factory() as session:
        answered = session.get(RoomGuess, guess.id)
        assert (answered.state, answered.room_type) == (GuessState.ANSWERED, "bedroom")
