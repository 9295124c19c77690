"""Webhook test parts: a real receiver on loopback (a threaded http.server that verifies each
delivery's Standard Webhooks signature and answers as the test tells it: a status, or a stall),
and `python -m webhooks` dispatcher processes."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from core.settings import Settings
from tests.support.processes import ROOT, process_env


@dataclass(frozen=True)
class Received:
    """One request as it arrived: its message id, whether its signature verified, its body."""

    message_id: str
    verified: bool
    body: dict[str, Any] | None
    headers: dict[str, str]
    at: float


class Receiver:
    """Answers `plan` in order (a status, or "stall" to hold the request), then `default`."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.plan: list[int | str] = []
        self.default: int | str = 204
        self.stall_s = 30.0
        self.release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        headers = {key.lower(): value for key, value in handler.headers.items()}
        try:
            parsed = Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            parsed, verified = json.loads(body or b"null"), False
        with self._lock:
            self.received.append(
                Received(headers.get("webhook-id", ""), verified, parsed, headers, time.monotonic())
            )
            answer = self.plan.pop(0) if self.plan else self.default
        if answer == "stall":
            self.release.wait(self.stall_s)
            answer = 204
        with contextlib.suppress(OSError):  # the sender may be gone (killed, or timed out)
            handler.send_response(int(answer))
            handler.send_header("Content-Length", "2")
            handler.end_headers()
            handler.wfile.write(b"ok")

    def ids(self) -> list[str]:
        with self._lock:
            return [r.message_id for r in self.received]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiving(secret: str = "") -> Iterator[Receiver]:
    """A receiver serving on a thread until the block ends."""
    receiver = Receiver(secret)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.close()
        thread.join(timeout=5)


def start_dispatcher(settings: Settings, log_path: Path, **env: object) -> subprocess.Popen:
    """`python -m webhooks` on the settings' database, loopback allowed, short waits."""
    values: dict[str, object] = {
        "APP_ENV": "dev",
        "DATABASE_URL": settings.database_url,
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "WEBHOOK_POLL_INTERVAL_S": "0.1",
        "WEBHOOK_CONNECT_TIMEOUT_S": "1",
        "WEBHOOK_READ_TIMEOUT_S": "2",
        "WEBHOOK_RETRY_BASE_S": "0.2",
        "WEBHOOK_RETRY_CAP_S": "1",
        **env,
    }
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "webhooks"],
            cwd=ROOT,
            env=process_env(**values),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_dispatcher(proc: subprocess.Popen) -> int:
    """SIGTERM, and the exit status (killed if it does not stop in time)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()
