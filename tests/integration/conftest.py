"""Fixtures of the integration tests that start real worker processes."""

from __future__ import annotations

import pytest

from tests.support.processes import Fleet


@pytest.fixture
def fleet(settings, tmp_path):
    """Worker processes on the test's settings, killed at the end if still running."""
    fleet = Fleet(settings, tmp_path)
    yield fleet
    fleet.kill_all()
