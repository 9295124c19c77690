"""The worker builds every scheduler that core/generation.py lets a style name."""

from __future__ import annotations

import pytest

from core.generation import SCHEDULERS


def test_the_worker_builds_every_scheduler_a_style_may_name():
    diffusers = pytest.importorskip("diffusers")
    from worker.generators.sdxl_pipeline import make_schedulers

    built = make_schedulers(diffusers.EulerDiscreteScheduler().config)
    assert set(built) == {*SCHEDULERS, "lightning"}
    assert built["dpmpp_2m_karras"].config.use_karras_sigmas
    assert not built["dpmpp_2m"].config.use_karras_sigmas
    assert type(built["euler_a"]).__name__ == "EulerAncestralDiscreteScheduler"
    assert built["lightning"].config.timestep_spacing == "trailing"
