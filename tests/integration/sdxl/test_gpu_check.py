"""bench/gpu_check.py --smoke: production's staging path on tiny models, compiled case included,
declutter and restage, and the quality gate's scoring cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STAGES = {"segmentation", "control", "generation", "detail", "colour", "paste"}
REMOVAL = {"removal_segmentation", "removal_control", "removal", "removal_detail",
           "removal_colour", "removal_paste"}  # fmt: skip
MODE_STAGES = {"stage": STAGES, "declutter": REMOVAL, "restage": REMOVAL | STAGES}
GATE_SCORES = {
    "4:3 1v standard": ["furniture", "seam", "style"],
    "declutter 4:3 1v standard": ["leftover", "seam"],
    "restage 4:3 1v standard": ["furniture", "seam", "style"],
}


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
    assert {row["mode"] for row in rows} == set(MODE_STAGES)
    assert any(row["compiled"] for row in rows) and not all(row["compiled"] for row in rows)
    for row in rows:
        assert set(row["stages"]) == MODE_STAGES[row["mode"]], row
        assert all(seconds >= 0 for seconds in row["stages"].values()), row
        assert row["s_per_image"] >= sum(row["stages"].values()) > 0
        assert row["peak_mem_gb"] == 0.0
        if row["mode"] == "stage":
            assert row["ratio_vs_plain"] > 0 and row["ratio_vs_stage"] is None, row
        else:
            assert row["ratio_vs_plain"] is None and row["ratio_vs_stage"] > 0, row
            assert row["stages"]["removal"] > 0 and not row["compiled"], row
    assert {row["photo"] for row in rows} == {"128x96", "96x128"}
    assert figures["first_image_s"] > 0 and figures["device"] == "cpu (smoke)"

    gate = {row["case"]: row for row in figures["gate"]}
    assert {case: row["scores"] for case, row in gate.items()} == GATE_SCORES
    images = {row["case"]: row["s_per_image"] for row in rows}
    for case, row in gate.items():
        parts = row["scorers"]
        assert set(parts) == {"segmentation", "seam_and_rest"} | (
            {"clip"} if "style" in row["scores"] else set()
        ), row
        assert parts["segmentation"] > 0 and all(value >= 0 for value in parts.values()), row
        assert row["s_per_variant"] == pytest.approx(sum(parts.values()))
        assert row["pct_of_image"] == pytest.approx(100 * row["s_per_variant"] / images[case])
        assert row["room_guess_s"] > 0, row
    assert "one more generation" in figures["reroll_note"]

    text = table.read_text()
    assert "| 4:3 1v standard compiled | 128x96 |" in text
    assert "| declutter 4:3 1v standard | 128x96 |" in text
    assert (
        "| gate: case |" in text and "| restage 4:3 1v standard | furniture, seam, style |" in text
    )
    assert "vs plain" in capsys.readouterr().out
