"""Bursts against one real API process on PostgreSQL: 64 concurrent wrong sign-ins, then 200
concurrent room type guesses from one user. Neither starves a signed-in user's GET /me (it
stalled 30 s and answered 500 when a request held one connection while waiting for another)."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jobs.room_guesses import GUESSES_PER_MINUTE
from tests.factories import photo_bytes
from tests.support.loops import run_async
from tests.support.processes import dev_api

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

ME_BOUND_S = 1.0
# The target is every GET /me within ME_BOUND_S (met on a quiet machine: max 0.46-0.55 s); a
# shared CI machine under load stretches single answers, so the test holds the median to the
# target and every answer to STALL_BOUND_S, far below the 30 s pool stall it guards against.
STALL_BOUND_S = 5.0


@pytest.fixture
def api(settings, engine, tmp_path: Path) -> Iterator[str]:
    with dev_api(settings, tmp_path / "api.log", MIN_UPLOAD_SIDE_PX=32) as server:
        yield server.url


class MeWatch:
    """GET /me in a loop from another thread while a burst runs; latencies and statuses."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.headers = url, {"Authorization": f"Bearer {token}"}
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                status = client.get("/api/v1/me", headers=self.headers).status_code
                self.latencies.append(time.monotonic() - started)
                self.statuses[status] += 1
                time.sleep(0.05)

    def __enter__(self) -> MeWatch:
        self._thread.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=90)

    def figures(self) -> str:
        ordered = sorted(self.latencies)
        return (
            f"GET /me x{len(ordered)}: p50 {statistics.median(ordered) * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms, statuses {dict(self.statuses)}"
        )


async def _burst(url: str, count: int, send) -> Counter[int]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        answers = await asyncio.gather(*(send(client) for _ in range(count)))
    return Counter(answer.status_code for answer in answers)


def test_bursts_leave_a_signed_in_user_answered_at_once(api, make_actor):
    victim, guesser, watcher = make_actor(), make_actor(), make_actor()
    photo = photo_bytes(width=640, height=480)

    async def wrong_sign_in(client: httpx.AsyncClient) -> httpx.Response:
        body = {"email": victim.user.email, "password": "not-the-password"}
        return await client.post("/api/v1/auth/token", json=body)

    async def guess(client: httpx.AsyncClient) -> httpx.Response:
        files = {"photo": ("room.jpg", photo, "image/jpeg")}
        return await client.post("/api/v1/room-guesses", files=files, headers=guesser.headers)

    # Each allowance is taken exactly once however the requests interleave: 5 wrong passwords
    # answered 401 before the lock, and the minute's room guesses.
    for name, count, send, allowed, admitted in (
        ("wrong sign-ins", 64, wrong_sign_in, {401, 429}, (401, 5)),
        ("room guesses", 200, guess, {202, 429}, (202, GUESSES_PER_MINUTE)),
    ):
        with MeWatch(api, watcher.token) as watch:
            started = time.monotonic()
            statuses = run_async(_burst, api, count, send)
            took = time.monotonic() - started
        print(f"\n{count} {name} in {took:.1f} s: {dict(statuses)}; {watch.figures()}")
        assert set(statuses) <= allowed, (name, statuses)
        assert statuses[admitted[0]] == admitted[1], (name, statuses)
        assert set(watch.statuses) == {200}, (name, watch.statuses)
        assert statistics.median(watch.latencies) < ME_BOUND_S, (name, watch.figures())
        assert max(watch.latencies) < STALL_BOUND_S, (name, watch.figures())
