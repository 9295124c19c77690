"""Finishing on real models: the sky and window alphas from a tiny ADE20K segmenter loaded by
the production Segmenter, and the dusk pass through the real diffusers inpainting pipeline."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.support.finishing_scenes import exterior
from tests.support.sdxl import STYLE
from tests.support.tiny_models import ade_id2label, upernet
from worker.engine.generation import Pass, run_pass
from worker.engine.stages import control_images
from worker.finishing.dusk_pass import plan_dusk_pass
from worker.finishing.masks import sky_alpha, window_alpha
from worker.generators.sdxl_params import job_params
from worker.vision.ade20k import ADE20K_LABELS

SHUFFLED = list(reversed(ADE20K_LABELS))


@pytest.fixture(scope="module")
def forced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny UperNets (labels in reversed order) whose logits force one class everywhere."""
    root = tmp_path_factory.mktemp("forced-finishing")
    for name in ("sky", "windowpane", "building"):
        upernet(root / name, id2label=ade_id2label(SHUFFLED), force=name)
    return {name: root / name for name in ("sky", "windowpane", "building")}


def _segmenter(path: Path) -> Any:
    from worker.vision.mask import Segmenter

    return Segmenter.from_pretrained(str(path), device="cpu")


def test_the_sky_and_windows_are_found_by_label_name(forced: dict[str, Path]) -> None:
    from PIL import Image

    photo = Image.fromarray(exterior(96, 64)[0])
    for name, alpha_of in (("sky", sky_alpha), ("windowpane", window_alpha)):
        segmenter = _segmenter(forced[name])
        alpha = alpha_of(segmenter.labels(photo), segmenter.id2label, feather_px=2)
        assert alpha.shape == (64, 96)
        assert alpha.min() == pytest.approx(1.0), name
    segmenter = _segmenter(forced["building"])
    labels = segmenter.labels(photo)
    assert sky_alpha(labels, segmenter.id2label, feather_px=2).max() == 0.0
    assert window_alpha(labels, segmenter.id2label, feather_px=2).max() == 0.0


def test_the_dusk_pass_is_img2img_through_the_inpainting_pipeline(sdxl_generator: Any) -> None:
    from PIL import Image

    photo = Image.fromarray(exterior(96, 64)[0])
    plan = plan_dusk_pass(photo, strength=0.5)
    settings = sdxl_generator.settings
    params = dataclasses.replace(
        job_params(STYLE, "living_room", settings, fast_tier_loaded=False),
        prompt=plan.prompt,
        negative_prompt=plan.negative_prompt,
    )
    annotators = [(sdxl_generator.depth, 1.0), (sdxl_generator.lines, 0.0)]
    controls = control_images(plan.control_source, annotators)
    steps: list[tuple[int, int]] = []
    work = Pass([plan.init_image], plan.mask, controls, [1.0, 0.0], plan.strength, 8)
    try:
        images = run_pass(
            sdxl_generator.pipe,
            sdxl_generator.nets,
            params,
            work,
            [7],
            {},
            lambda s, t: steps.append((s, t)),
        )
    finally:
        sdxl_generator.pipe.controlnet = sdxl_generator.all_nets
    assert [total for _, total in steps] == [4] * 4  # 8 steps at strength 0.5: the last half
    (result,) = images
    assert result.size == photo.size


@pytest.mark.parametrize("mode", ["enhance", "sky", "twilight"])
def test_finishing_jobs_run_through_the_sdxl_generator(
    sdxl_generator: Any, forced: dict[str, Path], mode: str
) -> None:
    """The sdxl generator's finishing branch: the segmenter's sky (forced: all sky), the
    classical pass, the deployment's disclosure label with a clean copy kept."""
    import numpy as np
    from PIL import Image

    from jobs.models import JobMode
    from worker.generators.base import GenerationRequest, LibrarySky

    photo = Image.fromarray(exterior(96, 64)[0])
    sky = Image.new("RGB", (128, 80), (40, 90, 200))
    request = GenerationRequest(
        1, photo, "patio", {}, 1, 5, mode=JobMode(mode), disclosure=mode,
        skies=[LibrarySky(1, "Blue", sky, lambda: sky)],
    )  # fmt: skip
    segmenter, settings = sdxl_generator.segmenter, sdxl_generator.settings
    sdxl_generator.segmenter = _segmenter(forced["sky"])
    sdxl_generator.settings = settings.model_copy(update={"label_enabled": True})
    try:
        result = sdxl_generator.generate(request, lambda f, s: None, lambda: False)
    finally:
        sdxl_generator.segmenter, sdxl_generator.settings = segmenter, settings
    (image,), (clean,) = result.images, result.clean_images
    assert image.size == photo.size and "finishing" in result.timings
    assert not np.array_equal(np.asarray(image), np.asarray(clean))  # the label
    if mode == "sky":  # everything was sky: the whole photo is the new one
        assert np.abs(np.asarray(clean, dtype=int) - (40, 90, 200)).mean() < 3
