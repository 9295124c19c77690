"""Every wait of a delivery is bounded, against real sockets on loopback: a server that never
accepts the request's answer, one that drips its answer, one that answers far too much."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from webhooks.guard import resolve
from webhooks.sender import SendFailed, post

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


@contextmanager
def serving(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-connection-at-a-time server on loopback that reads the request, then answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                conn.recv(65536)
                with contextlib.suppress(OSError):
                    answer(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hooks"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def send(url: str, *, read_s: float = 1.0, max_bytes: int = 1024):
    destination = resolve(url, allow_private=True)
    return post(destination, b"{}", {}, connect_s=1, read_s=read_s, max_response_bytes=max_bytes)


def test_an_answer_is_read_only_up_to_the_limit():
    def huge(conn: socket.socket) -> None:
        conn.sendall(HEAD + b"Content-Length: 10000000\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x" * 100_000)

    with serving(huge) as url:
        answer = send(url, max_bytes=1024)
    assert answer.status == 200 and len(answer.body) == 1024


def test_a_dripped_answer_is_cut_off_at_the_read_deadline():
    def drip(conn: socket.socket) -> None:
        conn.sendall(HEAD + b"Content-Length: 1000\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(0.1)

    with serving(drip) as url:
        started = time.monotonic()
        answer = send(url, read_s=0.5, max_bytes=10_000)
        took = time.monotonic() - started
    assert answer.status == 200 and 0 < len(answer.body) < 20
    assert took < 1.5


def test_no_answer_at_all_is_a_timeout():
    def silent(conn: socket.socket) -> None:
        time.sleep(3)

    with serving(silent) as url:
        started = time.monotonic()
        with pytest.raises(SendFailed, match=r"no answer within 0\.5 s") as failed:
            send(url, read_s=0.5)
        assert time.monotonic() - started < 1.5
    assert 400 <= failed.value.latency_ms < 1500


def test_a_closed_port_is_refused_at_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SendFailed, match="ConnectionRefused"):
        send(f"http://127.0.0.1:{port}/")
