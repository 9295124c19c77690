"""devops/runpod/deploy.sh, run for real against fake nvidia-smi, python3 and pip on the PATH."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "devops" / "runpod" / "deploy.sh"
SHELLCHECK = Path(sys.executable).parent / "shellcheck"

REQUIRED_ENV = {
    "DATABASE_URL": "postgresql://u:p@db/stagewright",
    "R2_ACCOUNT_ID": "acct",
    "R2_ACCESS_KEY_ID": "key",
    "R2_SECRET_ACCESS_KEY": "secret",
    "R2_BUCKET": "bucket",
    "SECRET_KEY": "2pYjAffn3og5XLo5a_p2oGEZlp0TxQIhaOSwDjeC",
}

NVIDIA_SMI = """#!/bin/sh
if [ "$1" = "-L" ]; then
  i=0
  while [ "$i" -lt "${FAKE_GPUS:-1}" ]; do
    echo "GPU $i: NVIDIA H100 80GB HBM3 (UUID: GPU-$i)"; i=$((i+1))
  done
  exit 0
fi
if [ "$1" = "--query-gpu=driver_version" ]; then echo "$FAKE_DRIVER"; exit 0; fi
echo "| NVIDIA-SMI $FAKE_DRIVER   Driver Version: $FAKE_DRIVER   $FAKE_CUDA_FIELD |"
"""

# python3 on the PATH: its version, or `-m venv DIR`, which makes a venv of fake python and pip.
SYSTEM_PYTHON = f"""#!{sys.executable}
import os, shutil, sys
if sys.argv[1] == "-c":
    print(os.environ.get("FAKE_PYTHON_VERSION", "3.11"))
    sys.exit(0)
with open(os.environ["FAKE_CALLS"], "a") as log:
    log.write("python3 " + " ".join(sys.argv[1:]) + "\\n")
assert sys.argv[1:3] == ["-m", "venv"], sys.argv
bin_dir = os.path.join(sys.argv[3], "bin")
os.makedirs(bin_dir)
for name in ("python", "pip"):
    shutil.copy(os.path.join(os.environ["FAKE_DIR"], "venv-" + name), os.path.join(bin_dir, name))
"""

VENV_PIP = f"""#!{sys.executable}
import os, sys
with open(os.environ["FAKE_CALLS"], "a") as log:
    log.write("pip " + " ".join(sys.argv[1:]) + "\\n")
with open(os.path.join(os.path.dirname(__file__), "..", "torch-version"), "w") as marker:
    marker.write(os.environ.get("FAKE_TORCH", "2.15.0+cu132"))
"""

VENV_PYTHON = f"""#!{sys.executable}
import os, sys
args = sys.argv[1:]
calls = os.environ["FAKE_CALLS"]
marker = os.path.join(os.path.dirname(__file__), "..", "torch-version")
if args[0] == "-c" and "import torch" in args[1]:
    if not os.path.exists(marker):
        sys.exit(1)
    print(open(marker).read())
    sys.exit(0)
with open(calls, "a") as log:
    if args[0] == "-c":
        log.write("python schema-check\\n")
        sys.exit(int(os.environ.get("FAKE_SCHEMA_RC", "0")))
    extra = " ".join(args[1:])
    if not extra:
        extra = "run CUDA_VISIBLE_DEVICES=" + os.environ["CUDA_VISIBLE_DEVICES"]
        extra += " liveness=" + os.path.basename(os.environ["WORKER_LIVENESS_FILE"])
        extra += " kernels=" + os.environ["TORCHINDUCTOR_CACHE_DIR"]
    log.write("python worker.py " + extra + "\\n")
"""


@pytest.fixture
def fakes(tmp_path: Path) -> dict[str, str]:
    """Fake executables and the environment that runs deploy.sh against them."""
    fake_dir = tmp_path / "fake"
    bin_dir = fake_dir / "bin"
    bin_dir.mkdir(parents=True)
    for path, body in [
        (bin_dir / "nvidia-smi", NVIDIA_SMI),
        (bin_dir / "python3", SYSTEM_PYTHON),
        (fake_dir / "venv-pip", VENV_PIP),
        (fake_dir / "venv-python", VENV_PYTHON),
    ]:
        path.write_text(body)
        path.chmod(0o755)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "WORKSPACE": str(tmp_path / "workspace"),
        "FAKE_DIR": str(fake_dir),
        "FAKE_CALLS": str(tmp_path / "calls.log"),
        "FAKE_DRIVER": "595.45.04",
        "FAKE_CUDA_FIELD": "CUDA Version: 13.2",
        "SUPERVISE_MAX_RESTARTS": "0",
        **REQUIRED_ENV,
    }


def deploy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DEPLOY), *args], env=env, capture_output=True, text=True, timeout=60
    )


def commands(output: str) -> list[str]:
    return [line[2:] for line in output.splitlines() if line.startswith("+ ")]


def test_shellcheck_clean() -> None:
    scripts = sorted((ROOT / "devops" / "runpod").glob("*.sh"))
    assert len(scripts) >= 3
    result = subprocess.run(
        [str(SHELLCHECK), *map(str, scripts)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def lock_install(env: dict[str, str]) -> str:
    return (
        f"{env['WORKSPACE']}/venv/bin/pip install --require-hashes --no-deps "
        f"-r {ROOT}/requirements-gpu.lock"
    )


@pytest.mark.parametrize(
    ("cuda_field", "driver", "compat"),
    [
        ("CUDA Version: 13.2", "595.45.04", False),
        ("CUDA Version: 13.0", "580.65.06", True),
        ("CUDA Version: 14.1", "600.10", False),
        ("", "580.82.07", True),  # no CUDA field: mapped from the driver version
    ],
)
def test_dry_run_installs_the_locked_build_on_a_cuda_13_driver(
    fakes: dict[str, str], cuda_field: str, driver: str, compat: bool
) -> None:
    result = deploy({**fakes, "FAKE_CUDA_FIELD": cuda_field, "FAKE_DRIVER": driver}, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert [c for c in commands(result.stdout) if " install " in c] == [lock_install(fakes)]
    assert ("minor-version compatibility" in result.stdout) is compat
    assert not Path(fakes["WORKSPACE"]).exists()
    assert not Path(fakes["FAKE_CALLS"]).exists()


@pytest.mark.parametrize(
    ("cuda_field", "driver"),
    [("CUDA Version: 12.9", "575.51.03"), ("CUDA Version: 11.2", "460.32.03"), ("", "570.124.06")],
)
def test_a_driver_older_than_cuda_13_is_refused(
    fakes: dict[str, str], cuda_field: str, driver: str
) -> None:
    result = deploy({**fakes, "FAKE_CUDA_FIELD": cuda_field, "FAKE_DRIVER": driver}, "--dry-run")
    assert result.returncode == 1
    assert "torch 2.15.0+cu132 needs a driver for CUDA 13.0 or newer" in result.stderr
    assert commands(result.stdout) == []


def test_a_python_other_than_the_locks_is_refused(fakes: dict[str, str]) -> None:
    result = deploy({**fakes, "FAKE_PYTHON_VERSION": "3.12"}, "--dry-run")
    assert result.returncode == 1
    assert "resolved for Python 3.11" in result.stderr and commands(result.stdout) == []


def test_a_torch_other_than_the_locked_build_starts_no_worker(fakes: dict[str, str]) -> None:
    result = deploy({**fakes, "FAKE_TORCH": "2.15.0+cu126"})
    assert result.returncode == 1
    assert "installed torch 2.15.0+cu126, expected 2.15.0+cu132" in result.stderr
    assert "worker.py" not in Path(fakes["FAKE_CALLS"]).read_text()


def test_dry_run_prints_steps_in_order(fakes: dict[str, str]) -> None:
    result = deploy(fakes, "--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    markers = [
        "step: check environment",
        "step: detect CUDA driver",
        "python3 -m venv",
        "pip install --require-hashes --no-deps -r",
        "worker.py download-models",
        "worker.py check-models",
        "require_head",
        "supervise.sh --name worker-0",
        "==> done",
    ]
    positions = [out.index(marker) for marker in markers]
    assert positions == sorted(positions)
    assert f"HF_HOME={fakes['WORKSPACE']}/hf" in out
    assert f"TORCHINDUCTOR_CACHE_DIR={fakes['WORKSPACE']}/torchinductor" in out


def test_missing_env_is_reported_all_at_once(fakes: dict[str, str]) -> None:
    env = {k: v for k, v in fakes.items() if k not in {"DATABASE_URL", "R2_BUCKET", "SECRET_KEY"}}
    env.pop("R2_ACCOUNT_ID")
    result = deploy(env, "--dry-run")
    assert result.returncode == 1
    missing = result.stderr.split("missing required environment:")[1].split()
    assert " ".join(missing) == "DATABASE_URL R2_BUCKET SECRET_KEY R2_ACCOUNT_ID or R2_ENDPOINT_URL"
    assert commands(result.stdout) == []


def test_endpoint_url_stands_in_for_account_id(fakes: dict[str, str]) -> None:
    env = {**fakes, "R2_ENDPOINT_URL": "https://s3.example.com"}
    env.pop("R2_ACCOUNT_ID")
    assert deploy(env, "--dry-run").returncode == 0


@pytest.mark.parametrize(("gpus", "flag", "expected"), [("3", [], 3), ("1", ["--workers", "4"], 4)])
def test_one_worker_per_gpu_or_as_asked(
    fakes: dict[str, str], gpus: str, flag: list[str], expected: int
) -> None:
    result = deploy({**fakes, "FAKE_GPUS": gpus}, "--dry-run", *flag)
    assert result.returncode == 0, result.stderr
    starts = [c for c in commands(result.stdout) if "supervise.sh" in c]
    assert len(starts) == expected
    for i, command in enumerate(starts):
        assert command.startswith(f"env CUDA_VISIBLE_DEVICES={i} ")
        assert f"--name worker-{i} " in command
        assert " HF_HUB_OFFLINE=1 " in command


def test_bad_arguments_are_refused(fakes: dict[str, str]) -> None:
    assert "Usage:" in deploy(fakes, "--help").stdout
    for args in (["--workers", "0"], ["--workers"], ["--nope"]):
        assert deploy(fakes, *args).returncode == 1


def wait_for_lines(path: Path, needle: str, count: int) -> list[str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        lines = [ln for ln in text.splitlines() if needle in ln]
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"{count} x {needle!r} never appeared in {path}")


def test_real_run_then_rerun_reuses_the_venv(fakes: dict[str, str]) -> None:
    env = {**fakes, "FAKE_GPUS": "2"}
    calls = Path(env["FAKE_CALLS"])
    first = deploy(env)
    assert first.returncode == 0, first.stderr
    runs = sorted(wait_for_lines(calls, "worker.py run", 2))
    kernels = f"kernels={env['WORKSPACE']}/torchinductor"
    assert runs == [
        f"python worker.py run CUDA_VISIBLE_DEVICES=0 liveness=worker-0.alive {kernels}",
        f"python worker.py run CUDA_VISIBLE_DEVICES=1 liveness=worker-1.alive {kernels}",
    ]
    lines = calls.read_text().splitlines()
    assert lines[:2] == [
        f"python3 -m venv {env['WORKSPACE']}/venv",
        f"pip install --require-hashes --no-deps -r {ROOT}/requirements-gpu.lock",
    ]
    assert [ln.split()[0] + " " + ln.split()[1] for ln in lines[2:5]] == [
        "python worker.py",
        "python worker.py",
        "python schema-check",
    ]
    assert lines[2].endswith("download-models") and lines[3].endswith("check-models")
    log = Path(env["WORKSPACE"]) / "logs" / "worker-0.log"
    wait_for_lines(log, "giving up after 0 restart(s)", 1)

    calls.unlink()
    second = deploy(env)
    assert second.returncode == 0, second.stderr
    assert "requirements-gpu.lock unchanged" in second.stdout
    wait_for_lines(calls, "worker.py run", 2)
    assert not [ln for ln in calls.read_text().splitlines() if ln.startswith(("pip", "python3"))]


def test_schema_not_at_head_starts_no_worker(fakes: dict[str, str]) -> None:
    result = deploy({**fakes, "FAKE_SCHEMA_RC": "1"})
    assert result.returncode == 1
    assert "schema is not at head" in result.stderr
    calls = Path(fakes["FAKE_CALLS"]).read_text()
    assert "schema-check" in calls and "worker.py run" not in calls
    assert not (Path(fakes["WORKSPACE"]) / "run").exists()


def test_running_workers_are_not_started_twice(fakes: dict[str, str]) -> None:
    run_dir = Path(fakes["WORKSPACE"]) / "run"
    run_dir.mkdir(parents=True)
    (run_dir / "worker-0.pid").write_text(str(os.getpid()))
    result = deploy(fakes, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "worker-0 already running" in result.stdout
    assert not [c for c in commands(result.stdout) if "supervise.sh" in c]
