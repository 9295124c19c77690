"""Sleep until a job may be waiting: one idle worker of the fleet is woken per NOTIFY, not all.

On PostgreSQL the workers of a pod (the processes that share WAKE_DIR) share one listener: a
thread in whichever of them holds the pod's lock file. It owns the pod's only direct connection
(LISTEN cannot pass PgBouncer in transaction mode). Across pods, only the listener that holds the
fleet's advisory lock LISTENs; the others wait on that lock, so one insert wakes one pod. The
listener writes one byte per NOTIFY into the pod's FIFO, and each byte wakes exactly one idle
worker (the kernel hands a byte to one reader). A listener whose pod has no idle worker lets the
lock go, and the next pod's listener takes it at once. The leader also wakes a worker every
POLL_INTERVAL_S, for retries whose backoff has run out (they send no NOTIFY).

Without a listener (SQLite, or while PostgreSQL is unreachable), workers poll every
POLL_INTERVAL_S; with one, they poll only every SAFETY_POLL_S. A deleted wake folder is made again
(worker/wake_files.py); while it cannot be, workers poll: no wake-up error ends a worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import logging
import os
import select
import threading
import time
from pathlib import Path

import psycopg
from psycopg import errors

from core.db_timeouts import BoundedConnection, DatabaseTimeouts
from jobs.notify import CHANNEL
from worker.wake_files import PodWakeFiles, idle_marker, pod_dir

log = logging.getLogger(__name__)

STOP_CHECK_S = 0.5
"""Longest single wait, so a stop request is noticed promptly."""
RECONNECT_S = 5.0
"""Pause between attempts to re-open a dropped listener connection."""
LEADER_WAIT_S = 5.0
"""How long a listener waits for the fleet lock per try: one rolled-back statement each time."""
SAFETY_POLL_S = 30.0
"""A worker's own poll while its pod has a live listener (in case a wake-up byte was lost)."""
LISTENER_ALIVE_S = 3 * LEADER_WAIT_S
"""A pod listener that has not shown life for this long is taken as gone."""
LISTENER_STATEMENT_S = 2 * LEADER_WAIT_S
"""The listener's statement timeout at least: its wait for the fleet lock is a statement."""
FLEET_LOCK_KEY = int.from_bytes(hashlib.sha256(CHANNEL.encode()).digest()[:4], "big")
"""The advisory lock whose holder is the fleet's one LISTENing pod."""


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL in the form psycopg.connect understands."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


class Wakeup:
    """A worker's wait for work; on PostgreSQL it also offers to be its pod's listener."""

    def __init__(
        self,
        database_url: str,
        *,
        poll_interval_s: float,
        stop: threading.Event,
        wake_dir: Path,
        worker_id: str,
        listen_url: str = "",
        timeouts: DatabaseTimeouts = DatabaseTimeouts(),
    ) -> None:
        self._poll_s = poll_interval_s
        self._timeouts = timeouts
        self._stop = stop
        self._worker_id = worker_id
        postgres = database_url.startswith("postgresql")
        self._root = pod_dir(wake_dir, database_url) if postgres else None
        self._listen_url = libpq_url(listen_url or database_url) if postgres else None
        self._files: PodWakeFiles | None = None
        self._listener: PodListener | None = None

    def start(self) -> None:
        """Set up the pod's files and offer to be its listener, before the first claim."""
        if self._root is None:
            return
        self._files = PodWakeFiles(self._root)
        assert self._listen_url is not None
        self._listener = PodListener(
            self._files,
            self._listen_url,
            poll_interval_s=self._poll_s,
            stop=self._stop,
            timeouts=self._timeouts,
        )
        self._listener.start()

    def wait(self) -> None:
        """Return when woken, after the poll interval, or when stop is set."""
        files = self._files
        if files is None:
            self._stop.wait(self._poll_s)
            return
        try:
            if files.ensure():
                log.warning("wake-up folder %s was deleted: made again", files.root)
            self._wait_on(files)
        except OSError as exc:
            log.warning("wake-up folder %s: %s; polling meanwhile", files.root, exc)
            self._stop.wait(self._poll_s)

    def _wait_on(self, files: PodWakeFiles) -> None:
        poll_s = SAFETY_POLL_S if files.listener_alive(LISTENER_ALIVE_S) else self._poll_s
        deadline = time.monotonic() + poll_s
        remade = files.remade
        with idle_marker(files.root / "idle" / self._worker_id):
            while not self._stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                readable, _, _ = select.select([files.fifo], [], [], min(remaining, STOP_CHECK_S))
                if readable:
                    try:
                        if os.read(files.fifo, 1):
                            return
                    except BlockingIOError:
                        continue  # another idle worker took that byte
                if files.ensure():
                    log.warning("wake-up folder %s was deleted: made again", files.root)
                if files.remade != remade:  # this idle marker went with the old folder
                    return
                if not files.listener_alive(LISTENER_ALIVE_S) and poll_s > self._poll_s:
                    poll_s = self._poll_s
                    deadline = min(deadline, time.monotonic() + poll_s)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._files is not None:
            self._files.close()
            self._files = None


class PodListener(threading.Thread):
    """Waits for the pod's lock file; its holder listens for the pod (see the module's doc)."""

    def __init__(
        self,
        files: PodWakeFiles,
        url: str,
        *,
        poll_interval_s: float,
        stop: threading.Event,
        timeouts: DatabaseTimeouts,
    ) -> None:
        super().__init__(name="pod-listener", daemon=True)
        self._files = files
        self._url = url
        statement_s = timeouts.statement_s
        if statement_s is not None:
            statement_s = max(statement_s, LISTENER_STATEMENT_S)
        self._timeouts = dataclasses.replace(timeouts, statement_s=statement_s)
        self._poll_s = poll_interval_s
        self._shutdown = stop
        self._closed = threading.Event()
        self._conn: psycopg.Connection | None = None

    def close(self) -> None:
        """Stop listening and let the pod's lock go to another worker process."""
        self._closed.set()
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.cancel_safe(timeout=2)
        self.join(timeout=10)

    def _done(self) -> bool:
        return self._closed.is_set() or self._shutdown.is_set()

    def run(self) -> None:
        while not self._done():
            try:
                self._take_turn()
            except OSError as exc:  # the wake folder was deleted: made again next turn
                log.warning("pod listener: %s; workers poll meanwhile", exc)
                self._closed.wait(STOP_CHECK_S)

    def _take_turn(self) -> None:
        """Serve the pod while holding its lock file; opened each turn, as it may be a new one."""
        if self._files.ensure():
            log.warning("pod listener: wake-up folder %s was deleted: made again", self._files.root)
        lock = self._files.open_listener_lock()
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._closed.wait(STOP_CHECK_S)
                return
            self._serve_pod()
        finally:
            os.close(lock)  # and with it the lock

    def _serve_pod(self) -> None:
        while not self._done():
            try:
                with BoundedConnection.open(self._url, self._timeouts, autocommit=True) as conn:
                    self._conn = conn
                    log.info("pod listener connected; waiting for the fleet lock")
                    self._contend(conn)
            except psycopg.Error as exc:
                if self._done():
                    return
                log.warning("pod listener: %s; workers poll meanwhile", exc)
                self._closed.wait(RECONNECT_S)
            finally:
                self._conn = None

    def _contend(self, conn: psycopg.Connection) -> None:
        """Take the fleet lock while this pod has an idle worker; lead while holding it."""
        conn.execute(f"SET lock_timeout = '{int(LEADER_WAIT_S * 1000)}ms'")
        while not self._done():
            self._alive()
            if not self._files.idle_workers():
                self._closed.wait(0.02)
                continue
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (FLEET_LOCK_KEY,))
            except errors.LockNotAvailable:
                continue
            try:
                self._lead(conn)
            finally:
                if not conn.closed:
                    conn.execute("UNLISTEN *")
                    conn.execute("SELECT pg_advisory_unlock(%s)", (FLEET_LOCK_KEY,))

    def _lead(self, conn: psycopg.Connection) -> None:
        """LISTEN and wake one idle worker per NOTIFY; hand the lock on when one finds none.

        The lock is kept while the pod is merely busy: handing it on costs the fleet four
        statements, so it moves only when a job is waiting that this pod cannot take.
        """
        conn.execute(f"LISTEN {CHANNEL}")
        log.info("listening for new jobs on channel %s for this pod", CHANNEL)
        next_tick = 0.0  # wake once at once: jobs may have come while nobody listened
        while not self._done():
            self._alive()
            if time.monotonic() >= next_tick:
                if not self._wake_one():
                    return
                next_tick = time.monotonic() + self._poll_s
            for _ in conn.notifies(timeout=STOP_CHECK_S, stop_after=1):
                if not self._wake_one():
                    return  # the next leader wakes one of its workers as it takes over

    def _wake_one(self) -> bool:
        """Wake an idle worker of the pod; False when it has none."""
        idle = self._files.idle_workers()
        if idle:
            self._files.wake(idle)
        return idle > 0

    def _alive(self) -> None:
        self._files.mark_listener_alive()
