"""A disk that refuses writes: a small tmpfs filled up (as root), else a read-only directory."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


class FullDisk:
    """A directory on a disk that can be filled up and freed again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._filler = root / ".filler"
        self.mounted = False

    def fill(self) -> None:
        """Make every further write fail (ENOSPC on the tmpfs, EACCES otherwise)."""
        if not self.mounted:
            for path in [self.root, *[p for p in self.root.rglob("*") if p.is_dir()]]:
                path.chmod(0o555)
            return
        with contextlib.suppress(OSError), self._filler.open("wb") as handle:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()

    def free(self) -> None:
        """Writes work again."""
        if self.mounted:
            self._filler.unlink(missing_ok=True)
            return
        for path in [self.root, *[p for p in self.root.rglob("*") if p.is_dir()]]:
            path.chmod(0o755)


@contextlib.contextmanager
def full_disk(tmp_path: Path) -> Iterator[FullDisk]:
    """A FullDisk under tmp_path (not yet filled); a real tmpfs of 2 MiB where we may mount."""
    root = tmp_path / "disk"
    root.mkdir()
    disk = FullDisk(root)
    if os.geteuid() == 0:
        mount = ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(root)]
        disk.mounted = subprocess.run(mount, capture_output=True).returncode == 0
    try:
        yield disk
    finally:
        disk.free()
        if disk.mounted:
            subprocess.run(["umount", "-l", str(root)], capture_output=True)
