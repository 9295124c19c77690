"""A real S3-compatible HTTP endpoint for tests: moto in server mode on a free port."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from core.settings import Settings

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"  # moto accepts any credentials


@contextmanager
def s3_server() -> Iterator[str]:
    """Starts moto's S3 server on 127.0.0.1 and a free port; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_bucket(endpoint: str) -> str:
    """A new private bucket with a unique name."""
    name = f"stagewright-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=name)
    return name


def r2_settings(endpoint: str, bucket: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings that point the r2 backend at the test endpoint."""
    values: dict[str, Any] = {
        "storage_backend": "r2",
        "r2_endpoint_url": endpoint,
        "r2_access_key_id": ACCESS_KEY,
        "r2_secret_access_key": SECRET_KEY,
        "r2_bucket": bucket,
        "local_storage_dir": tmp_path / "unused",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a stalled store)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def refused_endpoint() -> str:
    """An endpoint where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
