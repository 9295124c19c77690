"""Real processes for tests: `python worker.py` fleets and a uvicorn API on a pre-bound socket."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


class Fleet:
    """Worker processes started with the test's settings, stopped at the end of the test."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings = settings
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, worker_id: str, **env: object) -> subprocess.Popen:
        """Start `python worker.py` as worker_id; env entries override the defaults below."""
        values: dict[str, object] = {
            "APP_ENV": "dev",
            "DATABASE_URL": self.settings.database_url,
            "LOCAL_STORAGE_DIR": str(self.settings.local_storage_dir),
            "WORKER_ID": worker_id,
            "WORKER_LIVENESS_FILE": str(self.tmp_path / f"{worker_id}.alive"),
            "WAKE_DIR": str(self.tmp_path / "wake"),
            "POLL_INTERVAL_S": "0.2",
            "LEASE_S": "10",
            "PREVIEW_STEP_DELAY_S": "0",
            "PROGRESS_INTERVAL_S": "0.1",
            "SHUTDOWN_GRACE_S": "10",
            **env,
        }
        with (self.tmp_path / f"{worker_id}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "worker.py"],
                cwd=ROOT,
                env=process_env(**values),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs[worker_id] = proc
        return proc

    def log_lines(self, worker_id: str) -> list[dict]:
        text = (self.tmp_path / f"{worker_id}.log").read_text()
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def stop(self, sig: int = signal.SIGTERM) -> dict[str, int]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(sig)
        return {worker_id: proc.wait(timeout=60) for worker_id, proc in self.procs.items()}

    def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def wait_for(predicate, timeout_s=90.0, what="condition"):
    """Poll predicate until true; fail the test after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not reached in {timeout_s}s"
        time.sleep(0.05)


def process_env(**values: object) -> dict[str, str]:
    """A clean environment (PATH only, no .env) with these settings as strings."""
    return {"PATH": os.environ.get("PATH", ""), **{k: str(v) for k, v in values.items()}}


class ApiServer:
    """`uvicorn api.app:create_app --factory` serving a socket bound here to a free port."""

    def __init__(self, log_path: Path, **env: object) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.log_path = log_path
        self.env = process_env(BASE_URL=self.url, **env)
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ApiServer:
        command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
        command += ["--fd", str(self.sock.fileno()), "--no-proxy-headers", "--log-level", "warning"]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[self.sock.fileno()],
            )
        return self

    def wait_until_answering(self) -> ApiServer:
        """Wait until GET /healthz answers 200."""

        def up() -> bool:
            try:
                return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, what="the API answering")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.sock.close()


@contextmanager
def dev_api(settings: Settings, log_path: Path, **extra: object) -> Iterator[ApiServer]:
    """An answering API process in dev mode on the settings' database and storage."""
    env = {
        "APP_ENV": "dev",
        "DATABASE_URL": settings.database_url,
        "LOCAL_STORAGE_DIR": settings.local_storage_dir,
        **extra,
    }
    with ApiServer(log_path, **env) as server:
        yield server.wait_until_answering()
