"""bench/gpu_check.py --dry-run: every case of the GPU check, in its order, through the same
functions, on tiny models saved exactly as the full-size build saves them, compiled on the eager
backend; and the check's own survival: results after every case, errors recorded, a deadline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.gpu_cases import CASES, LIMITS
from bench.gpu_check import main, over_limits, run_cases
from bench.gpu_report import Row

STAGES = {"segmentation", "control", "generation", "detail", "colour", "paste"}
# The check's sofa is small enough that the removal pass meets the resolution goal without a
# detail pass, on the GPU's photos and the dry run's alike.
REMOVAL = {"removal_segmentation", "removal_control", "removal", "removal_colour",
           "removal_paste"}  # fmt: skip
MODE_STAGES = {"stage": STAGES, "declutter": REMOVAL, "restage": REMOVAL | STAGES}
GATE_SCORES = {
    "4:3 1v standard compiled": ["furniture", "seam", "style"],
    "declutter 4:3 1v standard compiled": ["leftover", "seam"],
    "restage 4:3 1v standard compiled": ["furniture", "seam", "style"],
}


@pytest.mark.timeout(1200)
def test_the_dry_run_runs_every_case_of_the_gpu_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, table = tmp_path / "check.json", tmp_path / "check.md"
    assert main(["--dry-run", "--json", str(out), "--markdown", str(table)]) == 0
    figures = json.loads(out.read_text())
    rows = {row["case"]: row for row in figures["rows"]}
    assert list(rows) == ["build models", "check-models", *(case.name for case in CASES)]
    assert {name: row["error"] for name, row in rows.items() if row["status"] != "ok"} == {}
    printed = capsys.readouterr().out
    assert (
        f"budget: {len(CASES)} cases, 4 pipeline loads" in printed and "graphs compiled:" in printed
    )

    first = rows["first image, fresh process"]
    assert set(first["extra"]) == {"load_s", "warm_up_s", "job_s"}
    assert first["seconds"] > sum(first["extra"].values())
    compiled = rows["compile + warm-up"]["graphs"]
    assert 0 < compiled <= LIMITS.graphs and first["graphs"] == compiled
    for case in CASES:
        row = rows[case.name]
        if case.kind in ("ours", "adapters"):
            assert set(row["stages"]) == MODE_STAGES[str(case.mode)], row
            assert row["s_per_image"] > 0 and row["graphs"] == 0, row  # nothing compiled in a job
            assert row["rerolls"] == case.rerolls, row
    staged = rows["4:3 1v standard compiled"]
    assert staged["photo"] == "320x240" and staged["ratio_vs_plain"] > 0
    assert rows["restage 4:3 1v standard compiled"]["ratio_vs_stage"] > 0
    assert rows["plain 4:3 1v standard"]["s_per_image"] > 0
    assert {row["case"]: row["scores"] for row in figures["gate"]} == GATE_SCORES
    assert "| 4:3 1v standard compiled 1 re-roll | ok | 320x240 |" in table.read_text()


def test_a_failing_case_is_recorded_and_every_row_is_written_at_once(tmp_path: Path) -> None:
    from bench.gpu_report import write

    out = tmp_path / "rows.json"
    written: list[list[str]] = []

    def run_one(name: str, row: Row) -> None:
        if name == "b":
            raise OSError("no file named diffusion_pytorch_model.bin")
        row.s_per_image = 1.0

    def on_row(row: Row) -> None:
        rows.append(row)
        write(rows, [], {"run": "test"}, out, None)
        written.append([r["case"] for r in json.loads(out.read_text())["rows"]])

    rows: list[Row] = []
    run_cases(["a", "b", "c"], run_one, on_row, deadline=float("inf"))
    assert written == [["a"], ["a", "b"], ["a", "b", "c"]]
    assert [(r.status, r.error) for r in rows] == [
        ("ok", None),
        ("failed", "OSError: no file named diffusion_pytorch_model.bin"),
        ("ok", None),
    ]


def test_cases_past_the_deadline_are_skipped_and_written(tmp_path: Path) -> None:
    out = tmp_path / "check.json"
    assert main(["--dry-run", "--deadline-s", "0", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == len(CASES) + 2
    assert {(row["status"], row["error"]) for row in rows} == {("skipped", "past the deadline")}


def test_the_budget_refuses_too_many_graphs_in_one_process() -> None:
    rows = [
        Row(CASES[0].name, graphs=LIMITS.graphs),
        Row("compile + warm-up", graphs=4),
        Row("4:3 1v standard compiled", graphs=LIMITS.graphs - 3),
    ]
    assert over_limits(rows, CASES) == [
        f"{LIMITS.graphs + 1} graphs in one process > {LIMITS.graphs}"
    ]
    assert over_limits(rows[:2], CASES) == []
    assert over_limits(rows[:2], CASES * 2)[0].startswith(f"cases {2 * len(CASES)} >")
