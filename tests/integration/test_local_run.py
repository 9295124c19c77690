"""`make run` (devops/local/run.sh) refuses a busy port at once, before it migrates or seeds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_run_on_a_busy_port_says_so_and_touches_nothing(tmp_path: Path):
    db = tmp_path / "run.db"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        env = {
            **os.environ,
            "PY": sys.executable,
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{db}",
            "LOCAL_STORAGE_DIR": str(tmp_path / "storage"),
        }
        result = subprocess.run(
            ["bash", "devops/local/run.sh"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
    assert "make run PORT=8001" in result.stderr
    assert "running at" not in result.stdout
    assert not db.exists()
