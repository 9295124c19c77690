"""A worker with SDXL_COMPILE=true serves every kind of job without compiling in a job or failing
one: the blocks compile with dynamic shapes, the warm-up covers every guard set a job can need,
and afterwards an unseen guard set runs eagerly. torch.compile runs on the eager backend, which
traces and guards exactly as inductor does on a GPU."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.gpu_cases import DRY_RUN
from bench.gpu_ours import FAIL_EVERY_SCORE
from core.settings import GeneratorName, SdxlSettings, Settings
from jobs.models import PHOTO_MODES, JobMode
from tests.factories import room_photo
from tests.support.sdxl import request, run, tiny_settings
from tests.support.tiny_models import TinyModels
from worker.generators.base import GenerationRequest
from worker.generators.sdxl import GenerationFailed

REFERENCE = [room_photo(224, 224, seed=2)]
# Every mode the pipeline serves; finishing passes (enhance, sky, twilight) run no pipeline.
PIPELINE_MODES = [mode for mode in PHOTO_MODES if not mode.finishes]
JOBS = [
    # mode, variants, fast tier, reference image, forced re-roll
    (JobMode.STAGE, 1, False, False, False),
    (JobMode.STAGE, 3, True, True, False),
    (JobMode.DECLUTTER, 2, False, False, True),
    (JobMode.RESTAGE, 1, True, True, False),
    (JobMode.STAGE, 4, False, True, True),
    (JobMode.DECLUTTER, 1, True, False, False),
    (JobMode.STAGE, 2, True, False, True),
    (JobMode.RESTAGE, 3, False, False, False),
    (JobMode.STAGE, 1, True, True, True),
    (JobMode.DECLUTTER, 4, True, True, False),
    (JobMode.RESTAGE, 2, False, True, True),
    (JobMode.STAGE, 2, False, False, False),
    (JobMode.STAGE, 1, False, True, False),
]


def job(mode: JobMode, variants: int, fast: bool, reference: bool, reroll: bool, seed: int,
        **params: Any) -> GenerationRequest:  # fmt: skip
    style: dict[str, Any] = {"slug": "oak", "prompt": "a {room_type} in oak",
                             "params": {"fast_tier": fast, **params}}  # fmt: skip
    if reroll:
        style["quality_thresholds"] = FAIL_EVERY_SCORE
    photo = room_photo(160, 120, seed=seed)
    refs = REFERENCE if reference else []
    return GenerationRequest(seed, photo, "living_room", style, variants, seed, refs, mode)


@pytest.fixture(scope="module")
def compiled_worker(dry_run_models: dict[str, str]) -> Iterator[Any]:
    """build_generator as worker.py calls it: SDXL_COMPILE=true (eager backend), LoRA and
    IP-Adapter loaded, one re-roll allowed; a staged room for a segmenter (the random one finds
    no furniture to remove)."""
    import torch

    from worker.generators import build_generator
    from worker.generators.sdxl_pipeline import compiled_graphs
    from worker.generators.sdxl_warmup import StagedRoom

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    sdxl = SdxlSettings(**{**dry_run_models, **DRY_RUN.settings, "compile": True})
    before = compiled_graphs()
    # Any: the tests read the graph count off the gate and reach into the generator it wraps.
    gate: Any = build_generator(
        Settings(generator=GeneratorName.SDXL, sdxl=sdxl, quality_max_rerolls=1)
    )
    gate.graphs = compiled_graphs() - before
    gate.inner.segmenter = StagedRoom(gate.inner.segmenter)
    yield gate
    torch.compiler.set_stance("default")
    torch.set_num_threads(threads)


@pytest.mark.timeout(900)
def test_a_compiled_worker_serves_a_mixed_sequence_without_compiling_again(
    compiled_worker: Any,
) -> None:
    import torch
    from torch._dynamo.eval_frame import _stance

    from worker.generators.sdxl_pipeline import compiled_graphs

    assert compiled_worker.inner.compile_error is None
    assert _stance.stance == "eager_on_recompile"  # what production serves with
    assert 0 < compiled_worker.graphs <= 20
    assert len(JOBS) >= 12 and {j[0] for j in JOBS} == set(PIPELINE_MODES)
    graphs = compiled_graphs()
    # Stricter than production: a job needing any graph the warm-up did not make fails here.
    torch.compiler.set_stance("fail_on_recompile")
    try:
        for seed, fields in enumerate(JOBS):
            _, variants, _, _, reroll = fields
            result = compiled_worker.generate(job(*fields, seed), lambda f, s: None, lambda: False)
            assert len(result.images) == variants and result.images[0].size == (160, 120)
            attempts = {score["attempts"] for score in result.scores}
            assert attempts == {2} if reroll else attempts <= {1, 2}, (fields, attempts)
    finally:
        torch.compiler.set_stance("eager_on_recompile")
    assert compiled_graphs() == graphs


@pytest.mark.timeout(300)
def test_a_guard_set_the_warm_up_never_saw_runs_eagerly(
    compiled_worker: Any, tiny_models: TinyModels
) -> None:
    """Blocks of another width (the older tiny models) match none of the graphs compiled so far:
    under the stance the warm-up left, their job runs eagerly and compiles nothing."""
    import torch

    from worker.generators.sdxl import SdxlGenerator
    from worker.generators.sdxl_pipeline import compiled_graphs

    settings = tiny_settings(tiny_models, compile=True, compile_backend="eager", warmup=False)
    other = SdxlGenerator.from_settings(settings)
    graphs = compiled_graphs()
    torch.compiler.set_stance("fail_on_recompile")
    try:
        with pytest.raises(GenerationFailed, match="recompile"):
            run(other, request(variants=1))
    finally:
        torch.compiler.set_stance("eager_on_recompile")
    result, _ = run(other, request(variants=1))
    assert len(result.images) == 1 and compiled_graphs() == graphs
