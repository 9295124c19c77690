"""`make test` on a fresh machine: devops/local/system-deps.sh installs or names what is missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "devops" / "local" / "system-deps.sh"


def run(tmp_path: Path, uid: int, **paths: str) -> subprocess.CompletedProcess[str]:
    """The script on a machine where every system path below tmp_path is absent."""
    env = {
        "PATH": os.environ["PATH"],
        "SYSTEM_DEPS_UID": str(uid),
        "CHROMIUM_BIN": str(tmp_path / "chromium"),
        "INITDB_GLOB": str(tmp_path / "postgresql" / "*" / "bin" / "initdb"),
        "PGBOUNCER_BIN": str(tmp_path / "pgbouncer"),
        "FONT_FILE": str(tmp_path / "DejaVuSans.ttf"),
        "NODE_BIN": str(tmp_path / "node"),
        "NPM_BIN": str(tmp_path / "npm"),
        **paths,
    }
    return subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def test_a_user_is_told_the_exact_command_and_nothing_runs(tmp_path: Path) -> None:
    result = run(tmp_path, uid=1000, APT_GET=str(tmp_path / "never-called"))
    assert result.returncode == 1
    assert (
        "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends "
        "chromium postgresql pgbouncer fonts-dejavu-core nodejs npm'"
    ) in result.stderr


def test_root_installs_only_what_is_missing(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    log = tmp_path / "apt.log"
    apt = tmp_path / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    apt.chmod(0o755)
    result = run(tmp_path, uid=0, APT_GET=str(apt))
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "update -q",
        "install -y -q --no-install-recommends postgresql pgbouncer fonts-dejavu-core nodejs npm",
    ]


def test_this_machine_has_everything(tmp_path: Path) -> None:
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_make_test_and_ci_run_share_the_check() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "test: system-deps lint" in makefile
    assert "devops/local/system-deps.sh" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().endswith("make test")
    assert "chromium" not in ci  # one list of system packages, in the script make runs
