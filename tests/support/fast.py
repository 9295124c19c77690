"""The guard of `make test-fast` (pytest -p tests.support.fast): a test fails when it imports
torch, the diffusers stack or Playwright, or connects to PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import psycopg
import pytest

HEAVY = ("torch", "diffusers", "transformers", "controlnet_aux", "playwright")
HOME = "tests/unit/"


def _heavy() -> set[str]:
    return {name for name in HEAVY if name in sys.modules}


class _Guard:
    """What has been loaded so far, and which test or module loaded it first."""

    def __init__(self) -> None:
        self.seen = _heavy()

    def check(self, where: str) -> str | None:
        new = _heavy() - self.seen
        self.seen |= new
        return f"{where} imports {', '.join(sorted(new))}" if new else None


_guard = _Guard()


def _refuse_postgresql(*args: object, **kwargs: object) -> None:
    raise RuntimeError("make test-fast runs no PostgreSQL: move this test out of tests/unit")


def pytest_configure(config: pytest.Config) -> None:
    psycopg.connect = _refuse_postgresql  # type: ignore[assignment]
    psycopg.Connection.connect = classmethod(_refuse_postgresql)  # type: ignore[assignment]
    psycopg.AsyncConnection.connect = classmethod(_refuse_postgresql)  # type: ignore[assignment]


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if why := _guard.check(report.nodeid):
        raise pytest.UsageError(f"make test-fast: {why}; move it out of {HOME}")


def _fail_if_heavy(item: pytest.Item) -> None:
    if why := _guard.check(item.nodeid):
        pytest.fail(f"make test-fast: {why}; move it out of {HOME}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    yield
    _fail_if_heavy(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield
    _fail_if_heavy(item)
