"""core/generation.py is the one definition the settings, the catalog and the worker share."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.generation import MAX_STEPS, SCHEDULERS
from core.settings import SdxlSettings


def test_the_settings_take_the_names_and_limits_a_style_may_use():
    assert [SdxlSettings(scheduler=name).scheduler for name in SCHEDULERS] == list(SCHEDULERS)
    with pytest.raises(ValidationError, match="unknown scheduler"):
        SdxlSettings(scheduler="plms")
    assert SdxlSettings(steps=MAX_STEPS).steps == MAX_STEPS
    with pytest.raises(ValidationError, match="less than or equal to 150"):
        SdxlSettings(steps=MAX_STEPS + 1)


def test_the_worker_builds_every_scheduler_a_style_may_name():
    diffusers = pytest.importorskip("diffusers")
    from worker.generators.sdxl_pipeline import make_schedulers

    built = make_schedulers(diffusers.EulerDiscreteScheduler().config)
    assert set(built) == {*SCHEDULERS, "lightning"}
    assert built["dpmpp_2m_karras"].config.use_karras_sigmas
    assert not built["dpmpp_2m"].config.use_karras_sigmas
    assert type(built["euler_a"]).__name__ == "EulerAncestralDiscreteScheduler"
    assert built["lightning"].config.timestep_spacing == "trailing"
