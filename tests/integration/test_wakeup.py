"""Wake-up without a herd: one NOTIFY wakes one idle worker of the fleet; one listener a pod."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from jobs.notify import CHANNEL
from tests.support.processes import wait_for
from worker.wakeup import Wakeup, libpq_url

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


class Waiter(threading.Thread):
    """An idle worker that only waits: it counts its wake-ups, and can be made busy."""

    def __init__(self, url: str, wake_dir: Path, name: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.wakeup = Wakeup(url, poll_interval_s=60, stop=stop, wake_dir=wake_dir, worker_id=name)
        self.wakeup.start()
        self.stop, self.wakes, self.busy = stop, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            if self.busy.is_set():
                time.sleep(0.01)
                continue
            self.wakeup.wait()
            if not self.stop.is_set():
                self.wakes += 1


@pytest.fixture
def pods(db_url: str, tmp_path: Path) -> Iterator[list[list[Waiter]]]:
    """Two pods of three idle workers each."""
    stop = threading.Event()
    pods = [
        [Waiter(db_url, tmp_path / f"pod{p}", f"p{p}w{w}", stop) for w in range(3)] for p in (0, 1)
    ]
    for waiter in (w for pod in pods for w in pod):
        waiter.start()
    # Whichever pod leads first wakes one worker at once (jobs may have come before it listened).
    wait_for(lambda: total(pods) == 1, timeout_s=30, what="a leading pod")
    yield pods
    stop.set()
    for waiter in (w for pod in pods for w in pod):
        waiter.join(timeout=10)
        waiter.wakeup.close()


def total(pods: list[list[Waiter]]) -> int:
    return sum(w.wakes for pod in pods for w in pod)


def notify(db_url: str, count: int = 1) -> None:
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        for _ in range(count):
            conn.execute("SELECT pg_notify(%s, '')", (CHANNEL,))


def test_one_notify_wakes_one_worker_of_the_fleet(db_url, pods):
    before = total(pods)
    notify(db_url)
    wait_for(lambda: total(pods) == before + 1, timeout_s=10, what="one wake-up")
    time.sleep(1)
    assert total(pods) == before + 1  # and no other worker, in either pod
    notify(db_url, 3)
    wait_for(lambda: total(pods) == before + 4, timeout_s=10, what="three wake-ups")
    time.sleep(1)
    assert total(pods) == before + 4


def test_a_busy_pod_hands_the_wake_ups_to_one_with_idle_workers(db_url, pods):
    notify(db_url)
    wait_for(lambda: total(pods) == 2, timeout_s=10, what="a wake-up")
    leader = next(pod for pod in pods if sum(w.wakes for w in pod))
    other = next(pod for pod in pods if pod is not leader)
    led, others = sum(w.wakes for w in leader), sum(w.wakes for w in other)
    for waiter in leader:
        waiter.busy.set()
    notify(db_url, 3)  # the leading pod's three idle workers wake and stay busy
    wait_for(lambda: sum(w.wakes for w in leader) == led + 3, timeout_s=10, what="leader busy")
    # The next NOTIFY finds no idle worker there: its listener lets the fleet lock go, and the
    # other pod's listener takes it and wakes one of its workers at once.
    notify(db_url)
    wait_for(lambda: sum(w.wakes for w in other) == others + 1, timeout_s=15, what="handover")
    notify(db_url)
    wait_for(lambda: sum(w.wakes for w in other) == others + 2, timeout_s=10, what="other woken")
    assert sum(w.wakes for w in leader) == led + 3


def test_one_direct_connection_a_pod(db_url, pods):
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        count = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert count == 2  # 6 idle workers in 2 pods: one listener connection each
