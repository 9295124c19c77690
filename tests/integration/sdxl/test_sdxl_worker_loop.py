"""The sdxl generator (GENERATOR=sdxl, tiny saved models) run by the real worker loop on SQLite."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
import pytest
from PIL import Image

from accounts.models import User
from core.db import transaction
from core.settings import GeneratorName
from core.storage import job_mask_key, job_result_key, make_storage
from jobs.models import Job, JobState
from jobs.service import cancel_job
from tests.factories import stored_job
from tests.support.sdxl import tiny_settings
from tests.support.tiny_models import TinyModels
from worker.generators import build_generator
from worker.generators.base import GenerationRequest, GenerationResult, variant_seeds
from worker.loop import Worker
from worker.signals import Shutdown

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

WIDTH, HEIGHT = 100, 70  # not a bucket size: the loop must hand back the input's size


class Recording:
    """The real generator, keeping what it returned (before JPEG) and calling a hook mid-run."""

    def __init__(self, inner: Any, on_denoise: Any = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.gpu = inner.gpu
        self.on_denoise = on_denoise
        self.results: list[GenerationResult] = []

    def generate(self, request: GenerationRequest, on_progress, should_stop) -> GenerationResult:
        def progress(fraction: float, stage: str) -> None:
            on_progress(fraction, stage)
            if self.on_denoise and stage.startswith("Denoising"):
                hook, self.on_denoise = self.on_denoise, None
                hook(request, should_stop)

        result = self.inner.generate(request, progress, should_stop)
        self.results.append(result)
        return result


@pytest.fixture(scope="module")
def sdxl(tiny_models: TinyModels) -> Any:
    settings = tiny_settings(tiny_models).model_copy(update={"generator": GeneratorName.SDXL})
    return build_generator(settings)


def run_job(settings, engine, session_factory, generator) -> tuple[Job, Any]:
    storage = make_storage(settings)
    with transaction(session_factory) as session:
        job_id = stored_job(
            session, storage, variants=2, seed=77, input_width=WIDTH, input_height=HEIGHT
        ).id
    worker = Worker(
        settings,
        generator=generator,
        storage=storage,
        engine=engine,
        shutdown=Shutdown(settings.shutdown_grace_s),
    )
    worker.register()
    try:
        assert worker.run_once()
    finally:
        worker.close()
    with session_factory() as session:
        return session.get(Job, job_id), storage


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_sdxl_job_completes_through_the_worker_loop(
    settings, engine, session_factory, sdxl
) -> None:
    assert sdxl.name == "sdxl"
    generator = Recording(sdxl)
    job, storage = run_job(settings, engine, session_factory, generator)

    assert job.state is JobState.COMPLETED, job.errors
    assert job.generator == "sdxl" and job.progress == 100
    assert not job.has_clean_copies  # no label drawn (SDXL_LABEL_ENABLED off here): no copies
    assert job.result_keys == [job_result_key(job.id, 1, 1), job_result_key(job.id, 1, 2)]
    assert job.result_seeds == variant_seeds(77, 2) == generator.results[0].seeds
    mask = np.asarray(Image.open(io.BytesIO(storage.get(job_mask_key(job.id, 1)))))
    assert job.mask_key == job_mask_key(job.id, 1) and mask.shape == (HEIGHT, WIDTH)
    outside = mask == 0
    assert outside.any() and (~outside).any()

    photo = decode(storage.get(job.input_key))
    for image in generator.results[0].images:
        assert (np.asarray(image)[outside] == photo[outside]).all()
    for key in job.result_keys:
        stored = decode(storage.get(key))
        assert stored.shape == photo.shape
        # JPEG re-encoding is lossy: outside the mask the stored result stays close to the input.
        assert np.abs(stored[outside].astype(int) - photo[outside]).mean() < 4


def test_cancel_mid_denoising_leaves_no_result_objects(
    settings, engine, session_factory, sdxl
) -> None:
    def cancel(request: GenerationRequest, should_stop) -> None:
        with transaction(session_factory) as session:
            owner = session.get_one(User, session.get_one(Job, request.job_id).user_id)
            cancel_job(session, user=owner, job_id=request.job_id)
        deadline = time.monotonic() + 30
        while not should_stop():  # the heartbeat thread reads the cancel from the database
            assert time.monotonic() < deadline, "cancel never reached the generator"
            time.sleep(0.02)

    job, storage = run_job(settings, engine, session_factory, Recording(sdxl, on_denoise=cancel))
    assert job.state is JobState.CANCELLED
    assert (job.result_keys, job.mask_key, job.result_seeds) == ([], None, [])
    stored = sorted(p.name for p in (storage.root / "jobs" / str(job.id)).iterdir())
    assert stored == [job.input_key.rsplit("/", 1)[1]]
