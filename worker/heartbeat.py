"""The heartbeat thread of a running job, from its claim on: lease, progress, cancel, lease loss."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from core.settings import Settings
from jobs import fleet, queue
from worker.connection import DedicatedConnection
from worker.signals import Shutdown

log = logging.getLogger(__name__)


def touch_liveness(path: Path) -> None:
    """Refresh the file whose age tells a pod health check that this worker is alive."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


class JobHeartbeat:
    """Runs beside the generator; its should_stop() is the generator's StopCheck."""

    def __init__(
        self,
        db: DedicatedConnection,
        settings: Settings,
        *,
        job_id: int,
        worker_id: str,
        shutdown: Shutdown,
    ) -> None:
        self._db = db
        self._job_id = job_id
        self._worker_id = worker_id
        self._lease_s = settings.lease_s
        self._interval_s = settings.progress_interval_s
        self._shutdown = shutdown
        self._liveness_file = settings.worker_liveness_file
        self._lock = threading.Lock()
        self._progress, self._stage = 0, queue.STARTING_STAGE
        self._saved: tuple[int, str] = (0, queue.STARTING_STAGE)
        self._done = threading.Event()
        # The lease runs from the claim, just before this; renewals move its end on.
        self._renewed_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)
        self._clock = threading.Thread(
            target=self._watch_lease, name=f"lease-{job_id}", daemon=True
        )
        self.lease_lost = threading.Event()
        self.cancel_requested = threading.Event()

    def __enter__(self) -> JobHeartbeat:
        self._thread.start()
        self._clock.start()
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._done.set()
        self._clock.join()
        # A beat hung on a silent database ends at its round trip's deadline; the job is not
        # ours any more, so nothing it could still learn matters.
        self._thread.join(timeout=0 if self.lease_lost.is_set() else None)

    def on_progress(self, fraction: float, stage: str) -> None:
        """The generator's ProgressCallback: progress only ever rises."""
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        with self._lock:
            self._progress = max(self._progress, percent)
            self._stage = stage

    def lease_deadline(self) -> float:
        """When (time.monotonic) the lease ends unless renewed: the last write may wait until."""
        return self._renewed_at + self._lease_s

    def should_stop(self) -> bool:
        """True once the job is cancelled, its lease is lost, or shutdown's grace is over."""
        return (
            self.lease_lost.is_set()
            or self.cancel_requested.is_set()
            or self._shutdown.job_must_stop()
        )

    def _run(self) -> None:
        # The lease is renewed at a third of its length, so two missed beats are survivable.
        keepalive_s = self._lease_s / 3
        while not self._done.wait(self._interval_s):
            with self._lock:
                current = (self._progress, self._stage)
            if current == self._saved and time.monotonic() - self._renewed_at < keepalive_s:
                continue
            sent_at = time.monotonic()
            if self._beat(*current) and not self.lease_lost.is_set():
                self._saved, self._renewed_at = current, sent_at
            if self.lease_lost.is_set():
                return

    def _watch_lease(self) -> None:
        """Lose the lease when it runs out by this worker's own clock, even while a beat hangs:
        another worker may hold the job by then, so stop rather than run on blind."""
        while not self._done.wait(max(0.0, self.lease_deadline() - time.monotonic())):
            if self.lease_lost.is_set():
                return
            if time.monotonic() >= self.lease_deadline():  # not renewed meanwhile
                log.warning(
                    "no heartbeat got through for the lease (%gs): stopping, writing nothing",
                    self._lease_s,
                    extra=self._extra(),
                )
                self.lease_lost.set()
                return

    def _beat(self, progress: int, stage: str) -> bool:
        try:

            def write(conn: Connection) -> tuple[queue.Beat | None, bool]:
                beat = queue.heartbeat(
                    conn,
                    job_id=self._job_id,
                    worker_id=self._worker_id,
                    lease_s=self._lease_s,
                    progress=progress,
                    stage=stage,
                )
                return beat, fleet.touch(conn, worker_id=self._worker_id)

            # The worker's one connection, shared with the loop (DedicatedConnection locks it).
            beat, drain = self._db.transaction(write)
            touch_liveness(self._liveness_file)
        except SQLAlchemyError as exc:
            # Keep going: the lease outlives a short outage, and a lost lease shows next beat.
            log.warning("heartbeat failed: %s", exc, extra=self._extra())
            return False
        if beat is None:
            log.warning("lease lost: stopping, writing nothing", extra=self._extra())
            self.lease_lost.set()
            return False
        if drain:
            self._shutdown.drain()
        if beat.cancel_requested and not self.cancel_requested.is_set():
            log.info("cancel requested: stopping", extra=self._extra())
            self.cancel_requested.set()
        return True

    def _extra(self) -> dict[str, object]:
        return {"job_id": self._job_id, "worker_id": self._worker_id}
