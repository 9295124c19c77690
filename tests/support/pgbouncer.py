"""A throwaway PgBouncer in transaction-pooling mode in front of a throwaway PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.support.pgcluster import _as_postgres, _free_port
from worker.wakeup import libpq_url

START_TIMEOUT_S = 10.0


def pgbouncer_binary() -> str:
    """The pgbouncer executable (Debian's package puts it in /usr/sbin)."""
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).is_file()), None
    )
    if found is None:
        raise RuntimeError("pgbouncer not found: apt-get install pgbouncer")
    return found


@contextlib.contextmanager
def throwaway_pgbouncer(
    database_url: str,
    *,
    pool_size: int = 20,
    ignore_startup_parameters: str = "extra_float_digits,options",
) -> Iterator[str]:
    """Start PgBouncer (pool_mode=transaction) for the database of `database_url`.

    Yields the SQLAlchemy URL of the same database through PgBouncer. A startup parameter it is
    not told to ignore (`options` without DATABASE_POOLED) refuses the connection.
    """
    server = libpq_url(database_url)
    info = psycopg.conninfo.conninfo_to_dict(server)
    root = Path(tempfile.mkdtemp(prefix="stagewright-pgbouncer-"))
    port = _free_port()
    (root / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{info['dbname']} = host={info['host']} port={info['port']} dbname={info['dbname']}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {root / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
        "max_client_conn = 2000\n"
        f"ignore_startup_parameters = {ignore_startup_parameters}\n"
        f"logfile = {root / 'pgbouncer.log'}\n"
        f"pidfile = {root / 'pgbouncer.pid'}\n"
    )
    (root / "users.txt").write_text(f'"{info.get("user", "postgres")}" ""\n')
    if os.geteuid() == 0:  # pgbouncer refuses to run as root, like initdb
        pg = pwd.getpwnam("postgres")
        for path in (root, *root.iterdir()):
            os.chown(path, pg.pw_uid, pg.pw_gid)
    proc = subprocess.Popen(
        _as_postgres([pgbouncer_binary(), str(root / "pgbouncer.ini")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = database_url.replace(f"{info['host']}:{info['port']}", f"127.0.0.1:{port}", 1)
    try:
        _wait_ready(libpq_url(url), proc, root)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            log = root / "pgbouncer.log"
            if proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text() if log.exists() else "no log"
                raise RuntimeError(f"pgbouncer did not start: {text[-2000:]}") from None
            time.sleep(0.1)
