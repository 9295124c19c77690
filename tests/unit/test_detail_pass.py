"""The detail pass's step count: at most SDXL_DETAIL_STEPS, never more than the job's share."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.settings import SdxlSettings
from worker.engine.crop import CropPlan
from worker.generators.sdxl_inpaint import detail_pass, schedule_for
from worker.generators.sdxl_params import job_params


@pytest.mark.parametrize("strength", [0.05, 0.1, 0.25, 0.3, 0.35, 0.45, 0.7, 1.0])
@pytest.mark.parametrize("steps", [1, 2, 3, 7, 10, 13])
def test_schedule_for_runs_exactly_the_steps_asked(steps: int, strength: float) -> None:
    total = schedule_for(steps, strength)
    assert int(total * strength) == steps  # what diffusers runs
    assert int((total - 1) * strength) < steps  # and no shorter schedule does


@pytest.mark.parametrize(
    ("style", "fast", "run"),
    [({}, False, 7), ({"steps": 20}, False, 6), ({"fast_tier": True}, True, 2)],
)
def test_the_detail_pass_runs_at_most_the_detail_steps(style: dict, fast: bool, run: int) -> None:
    settings = SdxlSettings()
    params = job_params({"params": style}, "living_room", settings, fast_tier_loaded=fast)
    plan = CropPlan((0, 0, 400, 300), (64, 48), (96, 64))
    work = detail_pass(
        [Image.new("RGB", (64, 48))], np.ones((300, 400), dtype=bool), plan, params, settings
    )
    assert work.size == (96, 64) and work.mask.shape == (64, 96)
    assert work.strength == 0.3 and not work.controls and not work.scales
    assert int(work.steps * work.strength) == run
