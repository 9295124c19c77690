"""Graceful shutdown: the first SIGTERM/SIGINT stops claiming, a second one stops the job now.

A generator checks should_stop() between its steps, and a step cannot be interrupted. So the
check stops a step early when the next step, as long as the last one, would end past the grace;
and a step still running HARD_STOP_AFTER_S past the grace is abandoned: the worker process gives
the job back and exits (Shutdown.enforce), so it never outlives the grace by a second.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from worker.generators.base import StopCheck

log = logging.getLogger(__name__)

HARD_STOP_AFTER_S = 0.25
"""Seconds past the grace after which a generator step still running is abandoned."""
WATCH_INTERVAL_S = 0.05
"""How often the watchdog looks at the deadline (a second signal moves it to now)."""


class Shutdown:
    """Stop state shared by the loop, the heartbeat and the generator's should_stop()."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.requested = threading.Event()
        self._deadline = float("inf")
        self._draining = False

    def request(self) -> None:
        """First call: stop claiming and give the current job grace_s; later calls: stop now."""
        if self.requested.is_set() and not self._draining:
            self._deadline = 0.0
            return
        self._draining = False
        self._deadline = time.monotonic() + self.grace_s
        self.requested.set()

    def drain(self) -> None:
        """Staff asked: stop claiming, but let the current job finish however long it takes."""
        if not self.requested.is_set():
            log.info("drain requested: finishing the current job, then exiting")
            self._draining = True
            self.requested.set()

    def job_must_stop(self) -> bool:
        """True once the running job has to be given back."""
        return time.monotonic() >= self._deadline

    def stop_check(self, inner: StopCheck) -> StopCheck:
        """inner, and also True when the next step, if it takes as long as the time since the
        last check, would end past the grace (one per job: it times that job's steps)."""
        last = time.monotonic()

        def check() -> bool:
            nonlocal last
            now = time.monotonic()
            step_s, last = now - last, now
            return inner() or now + step_s >= self._deadline

        return check

    def enforce(self, hard_stop: Callable[[], None]) -> None:
        """Call hard_stop (which gives the job back and exits the process) once the grace is
        HARD_STOP_AFTER_S over and the process still runs: a step that outlives the grace."""

        def watch() -> None:
            self.requested.wait()
            while time.monotonic() < self._deadline + HARD_STOP_AFTER_S:
                time.sleep(WATCH_INTERVAL_S)
            hard_stop()

        threading.Thread(target=watch, name="grace-watchdog", daemon=True).start()

    def install(self) -> None:
        """Route SIGTERM and SIGINT here (main thread only)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        again = self.requested.is_set()
        self.request()
        log.info(
            "%s received: %s",
            signal.Signals(signum).name,
            "stopping the current job now" if again else "finishing the current job, then exiting",
        )
