"""The queue benchmark runs end to end in its --quick mode, so its code cannot rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_queue_quick_reports_no_duplicates_and_no_lost_jobs():
    run = subprocess.run(
        [sys.executable, "bench/queue_latency.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "duplicates: 0, lost: 0" in run.stdout
    assert "pickup, 2 processes, NOTIFY" in run.stdout
