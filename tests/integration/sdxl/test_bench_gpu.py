"""The GPU benchmark's CPU smoke run: tiny models through the same code path and table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_bench_gpu_smoke_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.gpu import main

    out = tmp_path / "figures.json"
    assert main(["--smoke", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert [(r["name"], r["variants"]) for r in figures["rows"]] == [
        ("baseline", 1), ("baseline", 2), ("stagewright", 1), ("stagewright", 2),
    ]  # fmt: skip
    assert all(r["seconds_per_image"] > 0 and r["tflops"] > 0 for r in figures["rows"])
    assert len(figures["speedup"]) == 2
    assert "speed-up vs baseline" in capsys.readouterr().out
