"""bench/gpu_check.py --smoke: production's staging path on tiny models, compiled case included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STAGES = {"segmentation", "control", "generation", "detail", "colour", "paste"}


@pytest.mark.timeout(1200)  # torch.compile on a shared CPU takes minutes
def test_gpu_check_smoke_runs_every_stage_and_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.gpu_check import cases, main

    out, table = tmp_path / "check.json", tmp_path / "check.md"
    assert main(["--smoke", "--json", str(out), "--markdown", str(table)]) == 0
    figures = json.loads(out.read_text())
    rows = figures["rows"]
    assert [row["case"] for row in rows] == [case.name for case in cases(smoke=True)]
    assert any(row["compiled"] for row in rows) and not all(row["compiled"] for row in rows)
    for row in rows:
        assert set(row["stages"]) == STAGES, row
        assert row["s_per_image"] >= sum(row["stages"].values()) > 0
        assert row["ratio_vs_plain"] > 0 and row["peak_mem_gb"] == 0.0
    assert {row["photo"] for row in rows} == {"128x96", "96x128"}
    assert figures["first_image_s"] > 0 and figures["device"] == "cpu (smoke)"
    assert "| 4:3 1v standard compiled | 128x96 |" in table.read_text()
    assert "vs plain" in capsys.readouterr().out
