"""The files a pod's workers share for wake-ups (see worker/wakeup.py), re-made if deleted."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def pod_dir(wake_dir: Path, database_url: str) -> Path:
    """The pod's wake-up folder for one database (two databases on one host never mix)."""
    return wake_dir / hashlib.sha256(database_url.encode()).hexdigest()[:12]


class PodWakeFiles:
    """The pod's FIFO, its idle markers and the listener's lock and liveness files.

    Someone may delete the folder under running workers (a cleanup of WAKE_DIR): `ensure` makes
    it again and moves this process onto the new FIFO, so the pod's workers and its listener meet
    again on the same one.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()  # the worker's thread and the listener thread share fifo
        self._retired: list[int] = []
        self.fifo = self._open()
        self.remade = 0
        """How many times ensure() made the files again (an idle marker made before is gone)."""

    def _open(self) -> int:
        (self.root / "idle").mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkfifo(self.root / "wake.fifo")
        # Read-write and non-blocking: opening never waits for a peer, reading never blocks.
        return os.open(self.root / "wake.fifo", os.O_RDWR | os.O_NONBLOCK)

    def ensure(self) -> bool:
        """Make the folder and FIFO again if they were deleted; True when it had to."""
        with self._lock:
            if (self.root / "idle").is_dir() and self._is_ours(self.root / "wake.fifo"):
                return False
            fifo = self._open()
            # The other thread may be in select() on the old one: closed only at close().
            self._retired.append(self.fifo)
            self.fifo = fifo
            self.remade += 1
            return True

    def _is_ours(self, path: Path) -> bool:
        try:
            on_disk = os.stat(path)
        except FileNotFoundError:
            return False
        ours = os.fstat(self.fifo)
        return stat.S_ISFIFO(on_disk.st_mode) and (on_disk.st_dev, on_disk.st_ino) == (
            ours.st_dev,
            ours.st_ino,
        )

    def wake(self, idle_workers: int) -> bool:
        """Write one wake-up byte if fewer bytes wait than there are idle workers."""
        with self._lock:
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
                continue  # not yet locked (see idle_marker)
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

    def open_listener_lock(self) -> int:
        """The lock file whose holder is the pod's listener (opened afresh: it may be new)."""
        return os.open(self.root / "listener.lock", os.O_CREAT | os.O_RDWR, 0o644)

    def mark_listener_alive(self) -> None:
        (self.root / "listener.alive").touch()

    def listener_alive(self, within_s: float) -> bool:
        """The listener showed life within the last `within_s` seconds."""
        try:
            age = time.time() - (self.root / "listener.alive").stat().st_mtime
        except FileNotFoundError:
            return False
        return age < within_s

    def close(self) -> None:
        for fd in (*self._retired, self.fifo):
            os.close(fd)
        self._retired.clear()


@contextlib.contextmanager
def idle_marker(path: Path) -> Iterator[None]:
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
