"""The guard of make test-fast fails a test that imports torch or connects to PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASES = """
import sys, types

import psycopg


def test_plain():
    assert 1 + 1 == 2


def test_torch():
    sys.modules["torch"] = types.ModuleType("torch")  # as an import would leave it


def test_postgresql():
    psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
"""


def run_guarded(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """Runs pytest with the guard on a test file made of source."""
    (tmp_path / "test_cases.py").write_text(source)
    command = ["-m", "pytest", "-p", "tests.support.fast", "-p", "no:cacheprovider", "-q", "-rf"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, *command, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_test_that_imports_torch_or_connects_to_postgresql_fails(tmp_path: Path) -> None:
    result = run_guarded(tmp_path, CASES)
    assert "1 passed" in result.stdout and "2 failed" in result.stdout, result.stdout
    assert "test_cases.py::test_torch imports torch" in result.stdout
    assert "make test-fast runs no PostgreSQL" in result.stdout


def test_a_module_that_imports_torch_stops_the_run(tmp_path: Path) -> None:
    module = 'import sys, types\nsys.modules["diffusers"] = types.ModuleType("diffusers")\n'
    result = run_guarded(tmp_path, module + "\n\ndef test_x():\n    pass\n")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "test_cases.py imports diffusers" in result.stdout + result.stderr
