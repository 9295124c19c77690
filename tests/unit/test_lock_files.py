"""The lock files hold every pin of requirements*.txt (make lock was run after the last edit), the
API's and the GPU worker's locks agree with the one the tests ran with, and the worker image,
deploy.sh and the tests run one torch build."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#\\]+)", re.M)


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name → version of every `name==version` line, following `-r` includes."""
    found: dict[str, str] = {}
    text = path.read_text()
    for include in re.findall(r"^-r\s+(\S+)", text, re.M):
        found |= pins(path.parent / include)
    found |= {_name(name): version for name, version in PIN.findall(text)}
    return found


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [
        ("requirements.txt", "requirements.lock"),
        ("requirements-gpu.txt", "requirements-gpu.lock"),
        ("requirements-dev.txt", "requirements-dev.lock"),
    ],
)
def test_the_lock_holds_every_pin_of_its_requirements(requirements: str, lock: str) -> None:
    wanted, locked = pins(ROOT / requirements), pins(ROOT / lock)
    stale = {name: v for name, v in wanted.items() if locked.get(name) != v}
    assert stale == {}, "requirements changed since the lock: run make lock"


@pytest.mark.parametrize(
    ("lock", "least"), [("requirements.lock", 30), ("requirements-gpu.lock", 90)]
)
def test_the_api_and_gpu_locks_have_the_versions_the_tests_ran_with(lock: str, least: int) -> None:
    run, dev = pins(ROOT / lock), pins(ROOT / "requirements-dev.lock")
    assert len(run) > least
    assert {name: v for name, v in run.items() if dev.get(name) != v} == {}


def test_every_locked_package_is_pinned_with_hashes() -> None:
    for lock in ("requirements.lock", "requirements-gpu.lock", "requirements-dev.lock"):
        entries = re.split(r"\n(?=\S)", (ROOT / lock).read_text().strip())
        for entry in (entry for entry in entries if not entry.startswith("#")):
            assert PIN.match(entry) and "--hash=sha256:" in entry, entry[:80]


def _installed(package: str) -> dict[str, str]:
    """The module-level string constants of an installed package's version.py, not imported."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    text = (Path(spec.origin).parent / "version.py").read_text()
    return dict(re.findall(r"^(\w+)(?:: \S+)? = '([^']*)'", text, re.M))


def test_the_worker_image_deploy_and_tests_run_one_torch_build() -> None:
    gpu, dev = pins(ROOT / "requirements-gpu.lock"), pins(ROOT / "requirements-dev.lock")
    major, minor = gpu["cuda-toolkit"].split(".")[:2]
    build = f"{gpu['torch']}+cu{major}{minor}"
    assert build == "2.15.0+cu132"
    for name in ("torch", "torchvision", "cuda-toolkit", "triton"):
        assert gpu[name] == dev[name], name
    torch, torchvision = _installed("torch"), _installed("torchvision")
    assert (torch["__version__"], torch["cuda"]) == (build, f"{major}.{minor}")
    assert torchvision["__version__"] == f"{gpu['torchvision']}+cu{major}{minor}"

    dockerfile = (ROOT / "devops" / "docker" / "Dockerfile.worker").read_text()
    deploy = (ROOT / "devops" / "runpod" / "deploy.sh").read_text()
    assert re.search(rf"^FROM nvidia/cuda:{major}\.{minor}\.\d+-runtime-", dockerfile, re.M)
    assert re.findall(r"^ARG TORCH_BUILD=(\S+)$", dockerfile, re.M) == [build]
    assert re.findall(r"^TORCH_BUILD=(\S+)$", deploy, re.M) == [build]
    assert "pip install --require-hashes --no-deps -r requirements-gpu.lock" in dockerfile
    assert 'install --require-hashes --no-deps -r "$LOCK"' in deploy
    assert 'LOCK="$REPO_DIR/requirements-gpu.lock"' in deploy
    for text in (dockerfile, deploy):  # one index: PyPI
        assert not re.search(r"index-url|find-links|download\.pytorch\.org", text)
