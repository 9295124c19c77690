"""Graceful shutdown: the first SIGTERM/SIGINT stops claiming, a second one stops the job now."""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType

log = logging.getLogger(__name__)


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
