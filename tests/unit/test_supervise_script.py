"""devops/runpod/supervise.sh: restart with backoff, size-rotated logs, clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

SUPERVISE = Path(__file__).resolve().parents[2] / "devops" / "runpod" / "supervise.sh"


def supervise(tmp_path: Path, command: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SUPERVISE), "--name", "w", "--log-dir", str(tmp_path / "logs"), "--", *command],
        env={"PATH": os.environ["PATH"], **env},
        text=True,
    )


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def test_restarts_with_doubling_backoff_then_gives_up(tmp_path: Path) -> None:
    proc = supervise(
        tmp_path,
        ["sh", "-c", "echo boom; exit 3"],
        SUPERVISE_BACKOFF_MS="10",
        SUPERVISE_BACKOFF_MAX_MS="30",
        SUPERVISE_MAX_RESTARTS="4",
    )
    assert proc.wait(timeout=30) == 1
    log = (tmp_path / "logs" / "w.log").read_text()
    assert log.splitlines().count("boom") == 5
    for n, delay in [(1, "0.010"), (2, "0.020"), (3, "0.030"), (4, "0.030")]:
        assert f"exit 3; restart {n} in {delay}s" in log
    assert "giving up after 4 restart(s)" in log


def test_log_is_rotated_by_size_keeping_n(tmp_path: Path) -> None:
    line = "x" * 49
    proc = supervise(
        tmp_path,
        ["sh", "-c", f"i=0; while [ $i -lt 200 ]; do echo {line}$i; i=$((i+1)); done"],
        LOG_MAX_BYTES="1000",
        LOG_KEEP="2",
        SUPERVISE_MAX_RESTARTS="0",
    )
    assert proc.wait(timeout=30) == 1
    logs = tmp_path / "logs"
    assert sorted(p.name for p in logs.iterdir()) == ["w.log", "w.log.1", "w.log.2"]
    for path in logs.iterdir():
        assert path.stat().st_size <= 1000 + 60
    kept = (logs / "w.log.2").read_text() + (logs / "w.log.1").read_text()
    kept += (logs / "w.log").read_text()
    numbers = [int(ln[49:]) for ln in kept.splitlines() if ln.startswith(line)]
    assert numbers == list(range(numbers[0], 200))
    assert numbers[0] > 0  # the oldest lines were dropped


def test_sigterm_is_forwarded_and_nothing_restarts(tmp_path: Path) -> None:
    child_pid = tmp_path / "child.pid"
    proc = supervise(tmp_path, ["sh", "-c", f"echo $$ > {child_pid}; exec sleep 300"])
    wait_until(lambda: child_pid.exists() and child_pid.read_text().strip(), "child started")
    pid = int(child_pid.read_text())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), "child gone")
    log = (tmp_path / "logs" / "w.log").read_text()
    assert "stopped (exit 143)" in log
    assert log.count("start:") == 1
