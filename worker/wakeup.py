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
POLL_INTERVAL_S; with one, they poll only every SAFETY_POLL_S.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import select
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import errors

from jobs.notify import CHANNEL

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
FLEET_LOCK_KEY = int.from_bytes(hashlib.sha256(CHANNEL.encode()).digest()[:4], "big")
"""The advisory lock whose holder is the fleet's one LISTENing pod."""


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL in the form psycopg.connect understands."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def pod_dir(wake_dir: Path, database_url: str) -> Path:
    """The pod's wake-up folder for one database (two databases on one host never mix)."""
    return wake_dir / hashlib.sha256(database_url.encode()).hexdigest()[:12]


class PodWakeFiles:
    """The pod's FIFO, its idle markers and the listener's lock and liveness files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "idle").mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkfifo(root / "wake.fifo")
        # Read-write and non-blocking: opening never waits for a peer, reading never blocks.
        self.fifo = os.open(root / "wake.fifo", os.O_RDWR | os.O_NONBLOCK)

    def wake(self, idle_workers: int) -> bool:
        """Write one wake-up byte if fewer bytes wait than there are idle workers."""
        waiting = fcntl.ioctl(self.fifo, termios.FIONREAD, b"\0\0\0\0")
        if int.from_bytes(waiting, "little") >= idle_workers:
            return False
        with contextlib.suppress(BlockingIOError):
            os.write(self.fifo, b"\1")
        return True

    def idle_workers(self) -> int:
        """Idle markers whose worker still holds their lock (a crashed worker's are removed)."""
        count = 0
        for marker in (self.root / "idle").iterdir():
            if marker.name.startswith("."):
                continue  # not yet locked (see _idle_marker)
            try:
                fd = os.open(marker, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                count += 1
            else:
                marker.unlink(missing_ok=True)
            finally:
                os.close(fd)
        return count

    def listener_alive(self) -> bool:
        try:
            age = time.time() - (self.root / "listener.alive").stat().st_mtime
        except FileNotFoundError:
            return False
        return age < LISTENER_ALIVE_S

    def close(self) -> None:
        os.close(self.fifo)


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
    ) -> None:
        self._poll_s = poll_interval_s
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
            self._files, self._listen_url, poll_interval_s=self._poll_s, stop=self._stop
        )
        self._listener.start()

    def wait(self) -> None:
        """Return when woken, after the poll interval, or when stop is set."""
        files = self._files
        if files is None:
            self._stop.wait(self._poll_s)
            return
        poll_s = SAFETY_POLL_S if files.listener_alive() else self._poll_s
        deadline = time.monotonic() + poll_s
        with _idle_marker(files.root / "idle" / self._worker_id):
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
                if not files.listener_alive() and poll_s > self._poll_s:
                    poll_s = self._poll_s
                    deadline = min(deadline, time.monotonic() + poll_s)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._files is not None:
            self._files.close()
            self._files = None


@contextlib.contextmanager
def _idle_marker(path: Path) -> Iterator[None]:
    """A file that exists, locked, while this worker waits idle.

    It is locked before it gets its name: the listener takes an unlocked marker for a crashed
    worker's and removes it.
    """
    draft = path.with_name(f".{path.name}")
    fd = os.open(draft, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(draft, path)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


class PodListener(threading.Thread):
    """Waits for the pod's lock file; its holder listens for the pod (see the module's doc)."""

    def __init__(
        self, files: PodWakeFiles, url: str, *, poll_interval_s: float, stop: threading.Event
    ) -> None:
        super().__init__(name="pod-listener", daemon=True)
        self._files = files
        self._url = url
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
        lock = os.open(self._files.root / "listener.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            while not self._done():
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    self._closed.wait(STOP_CHECK_S)
                    continue
                try:
                    self._serve_pod()
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        finally:
            os.close(lock)

    def _serve_pod(self) -> None:
        while not self._done():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
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
        (self._files.root / "listener.alive").touch()
