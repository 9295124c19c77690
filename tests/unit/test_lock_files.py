"""The lock files hold every pin of requirements*.txt (make lock was run after the last edit), and
the API's lock agrees with the one the tests ran with."""

from __future__ import annotations

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
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_the_lock_holds_every_pin_of_its_requirements(requirements: str, lock: str) -> None:
    wanted, locked = pins(ROOT / requirements), pins(ROOT / lock)
    stale = {name: v for name, v in wanted.items() if locked.get(name) != v}
    assert stale == {}, "requirements changed since the lock: run make lock"


def test_the_api_lock_has_the_versions_the_tests_ran_with() -> None:
    run, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    assert len(run) > 30
    assert {name: v for name, v in run.items() if dev.get(name) != v} == {}


def test_every_locked_package_is_pinned_with_hashes() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        entries = re.split(r"\n(?=\S)", (ROOT / lock).read_text().strip())
        for entry in (entry for entry in entries if not entry.startswith("#")):
            assert PIN.match(entry) and "--hash=sha256:" in entry, entry[:80]
