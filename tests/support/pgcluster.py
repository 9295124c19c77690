"""A throwaway PostgreSQL for tests and benchmarks: its own cluster, or a fresh database.

With TEST_DATABASE_URL set (a server URL), a new database is created there and dropped after.
Otherwise a private cluster is initialised in a temp dir on a free port and removed after, so
a developer's data is never touched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from worker.wakeup import libpq_url


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """A private PostgreSQL in a temp dir on a free port, which a test may stop and start."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        # durable: every commit survives an immediate stop (off: faster, may lose the last ones)
        self.synchronous_commit = "on" if durable else "off"
        self.max_connections = max_connections
        bin_dir = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="stagewright-pg-"))
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.root, pg.pw_uid, pg.pw_gid)
        self.data, self.port = self.root / "data", _free_port()
        self._pg_ctl = str(bin_dir / "pg_ctl")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        initdb = [str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            _as_postgres([*initdb, "-E", "UTF8", "--no-sync"]), check=True, capture_output=True
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit={self.synchronous_commit} -c full_page_writes=off "
            f"-c max_connections={self.max_connections}"
        )
        log = str(self.root / "log")
        command = [self._pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start"]
        subprocess.run(_as_postgres(command), check=True, capture_output=True)

    def stop(self) -> None:
        """Stop at once, as a crash would: every connection is cut."""
        command = [self._pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_postgres(command), capture_output=True)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(*, max_connections: int = 200) -> Iterator[str]:
    """Start a private PostgreSQL; yields its server URL (database 'postgres')."""
    with running_cluster(max_connections=max_connections) as cluster:
        yield cluster.url


@contextlib.contextmanager
def running_cluster(*, durable: bool = False, max_connections: int = 200) -> Iterator[Cluster]:
    """A started Cluster, removed afterwards."""
    cluster = Cluster(durable=durable, max_connections=max_connections)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextlib.contextmanager
def throwaway_database(*, max_connections: int = 200) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards."""
    server = os.environ.get("TEST_DATABASE_URL")
    with contextlib.ExitStack() as stack:
        if not server:
            server = stack.enter_context(throwaway_cluster(max_connections=max_connections))
        name = f"stagewright_test_{uuid.uuid4().hex[:12]}"
        admin = libpq_url(server)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.rsplit("/", 1)[0] + "/" + name
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
