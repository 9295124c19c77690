"""bench/flops.py: production's calls on shape-true tiny models, counted on the full-size ones."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.timeout(1200)
def test_a_12_mp_staging_counts_under_a_petaflop_with_controlnets_only_where_they_act(
    tmp_path: Path,
) -> None:
    from bench.flop_calls import Call, Replay
    from bench.flop_models import save_tiny
    from bench.flops import CASES, count_case
    from core.settings import SdxlSettings, Settings
    from worker.generators.sdxl import SdxlGenerator

    generator = SdxlGenerator.from_settings(Settings(sdxl=SdxlSettings(**save_tiny(tmp_path))))
    replay = Replay()
    row = count_case(generator, replay, CASES[0])
    assert row.case == "4:3 1v standard" and row.photo == "4000x3000"
    shapes = {stage: (p.size, p.calls, p.batch) for stage, p in row.passes.items()}
    assert shapes == {
        "generation": ((1152, 896), 29, 2),  # 30 steps at strength 0.99
        "detail": ((2016, 1504), 7, 2),  # 0.5 of 4000 x 3000, in multiples of 32
    }
    # The depth ControlNet ran on the 23 steps before SDXL_CONTROL_END (0.8), and only there.
    per_call = replay.flops(Call("controlnet", ((2, 4, 112, 144), (2, 77, 64), (2, 3, 896, 1152))))
    assert row.models["controlnet"] == pytest.approx(23 * per_call / 1e12)
    assert set(row.stages) == {"generation", "detail"}  # only diffusion models are counted
    assert row.total_pflop <= 1.0
