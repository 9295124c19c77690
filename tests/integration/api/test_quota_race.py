"""Concurrent submissions by one user cannot overrun the daily quota."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.models import Role
from tests.integration.api.helpers import error_of, submit
from tests.support.stored import job_count

QUOTA = 3
REQUESTS = 8


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_concurrent_creates_stop_at_the_quota(client, make_actor, style, session_factory):
    actor = make_actor(Role.AGENT, daily_quota=QUOTA)
    start = threading.Barrier(REQUESTS)

    def create(_: int) -> int:
        start.wait()
        response = submit(client, actor.headers)
        if response.status_code == 429:
            assert error_of(response)["code"] == "quota_exceeded"
        return response.status_code

    with ThreadPoolExecutor(REQUESTS) as pool:
        statuses = sorted(pool.map(create, range(REQUESTS)))
    assert statuses == [202] * QUOTA + [429] * (REQUESTS - QUOTA)
    assert job_count(session_factory) == QUOTA
