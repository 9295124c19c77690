"""api/body_gate.py against a real uvicorn over raw sockets: sign-in before the body, one framing,
and the byte limit enforced while a chunked body streams in."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from api.body_gate import ANONYMOUS_BODY_BYTES
from tests.support.processes import ApiServer, dev_api

MAX_UPLOAD_BYTES = 1024  # the gate's limit is this plus 1 MiB for the multipart envelope
LIMIT = MAX_UPLOAD_BYTES + 1024 * 1024


@pytest.fixture
def api(settings, engine, tmp_path: Path) -> Iterator[ApiServer]:
    with dev_api(settings, tmp_path / "api.log", MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES) as server:
        yield server


def exchange(
    url: str,
    head: list[str],
    chunks: Sequence[bytes] = (),
    wait_s: float = 10,
    raw_extra: bytes = b"",
) -> str:
    """Send a request head and body parts (never finishing a chunked body), return the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as conn:
        conn.sendall("\r\n".join([*head, ""]).encode() + raw_extra + b"\r\n")
        try:
            for chunk in chunks:
                conn.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking the rest: the point
        answer = b""
        deadline = time.monotonic() + wait_s
        while not _complete(answer) and time.monotonic() < deadline:
            try:
                data = conn.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            answer += data
    return answer.decode("latin-1")


def _complete(answer: bytes) -> bool:
    top, found, body = answer.partition(b"\r\n\r\n")
    lengths = [line for line in top.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    return bool(found) and len(body) >= int(lengths[0].split(b":")[1]) if lengths else bool(found)


def head(path: str, *extra: str) -> list[str]:
    return [
        f"POST {path} HTTP/1.1",
        "Host: test",
        "Content-Type: multipart/form-data; boundary=xyz",
        *extra,
    ]


def _chunk_of(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


PART_HEAD = _chunk_of(
    b'--xyz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n"
)


def chunk(size: int) -> bytes:
    return _chunk_of(b"x" * size)


SECURITY_HEADERS = ("content-security-policy:", "x-frame-options: deny", "cache-control: no-store")


def assert_secured(answer: str) -> None:
    top = answer.partition("\r\n\r\n")[0].lower()
    assert all(header in top for header in SECURITY_HEADERS), top


def test_an_anonymous_upload_is_refused_before_its_body_is_read(api):
    answer = exchange(api.url, head("/api/v1/jobs", "Content-Length: 900000"))
    assert answer.startswith("HTTP/1.1 401"), answer[:200]
    assert "sign in first" in answer
    assert_secured(answer)


def test_an_anonymous_chunked_upload_is_refused_at_once(api):
    answer = exchange(api.url, head("/api/v1/jobs", "Transfer-Encoding: chunked"), [chunk(100_000)])
    assert answer.startswith("HTTP/1.1 401"), answer[:200]


def test_a_chunked_body_past_the_limit_is_stopped_while_it_streams(api, agent):
    answer = exchange(
        api.url,
        head("/api/v1/jobs", "Transfer-Encoding: chunked", f"Authorization: Bearer {agent.token}"),
        [PART_HEAD] + [chunk(256 * 1024) for _ in range(LIMIT // (256 * 1024) + 2)],
    )
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"code":"too_large"' in answer
    assert_secured(answer)


def test_conflicting_framing_is_a_400(api, agent):
    answer = exchange(
        api.url,
        head(
            "/api/v1/jobs",
            "Content-Length: 5",
            "Transfer-Encoding: chunked",
            f"Authorization: Bearer {agent.token}",
        ),
        [b"0\r\n\r\n"],
    )
    assert answer.startswith("HTTP/1.1 400"), answer[:200]  # uvicorn's own, before the app


@pytest.mark.parametrize("length", ["²", "1e3", "-1", "٣"])
def test_a_content_length_that_is_no_number_is_a_400(api, agent, length):
    answer = exchange(
        api.url,
        [
            "POST /api/v1/jobs HTTP/1.1",
            "Host: test",
            f"Authorization: Bearer {agent.token}",
        ],
        wait_s=10,
        raw_extra=f"Content-Length: {length}\r\n".encode(),
    )
    assert answer.startswith(("HTTP/1.1 400", "HTTP/1.1 422")), answer[:200]


def test_a_small_anonymous_body_still_reaches_sign_in(api):
    body = b'{"email": "nobody@example.com", "password": "wrong-password"}'
    assert len(body) < ANONYMOUS_BODY_BYTES
    response = httpx.post(
        f"{api.url}/api/v1/auth/token",
        content=body,
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401
