"""One signed POST to a checked destination, every wait and the answer's size bounded."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from webhooks.guard import Destination

USER_AGENT = "Stagewright-Webhooks/1"
READ_CHUNK_BYTES = 8192


@dataclass(frozen=True)
class Answer:
    """What the endpoint said: its status, how long it took, and the start of its body."""

    status: int
    latency_ms: int
    body: bytes


class SendFailed(Exception):
    """No answer: connection refused or reset, a timeout, or TLS failed."""

    def __init__(self, message: str, latency_ms: int) -> None:
        super().__init__(message)
        self.latency_ms = latency_ms


class _PinnedConnection(http.client.HTTPSConnection):
    """Connects to the checked address, not to whatever the host name resolves to now."""

    def __init__(self, destination: Destination, *, connect_s: float, read_s: float) -> None:
        super().__init__(destination.host, destination.port, timeout=connect_s)
        self.destination = destination
        self.read_s = read_s

    def connect(self) -> None:
        sock = socket.create_connection((self.destination.address, self.port), self.timeout)
        sock.settimeout(self.read_s)
        if self.destination.scheme == "https":
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self.destination.host)
        self.sock = sock


def post(
    destination: Destination,
    body: bytes,
    headers: dict[str, str],
    *,
    connect_s: float,
    read_s: float,
    max_response_bytes: int,
) -> Answer:
    """POST body; the whole exchange after connecting must end within read_s."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return round((time.monotonic() - started) * 1000)

    connection = _PinnedConnection(destination, connect_s=connect_s, read_s=read_s)
    try:
        try:
            connection.connect()
        except TimeoutError:
            raise SendFailed(f"could not connect within {connect_s:g} s", elapsed_ms()) from None
        deadline = time.monotonic() + read_s
        connection.request(
            "POST",
            destination.target,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        received = b""
        # The status is in: a body that is too slow or too long is cut, not a failure.
        with contextlib.suppress(TimeoutError):
            while len(received) < max_response_bytes and time.monotonic() < deadline:
                if connection.sock is not None:
                    connection.sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = response.read1(min(READ_CHUNK_BYTES, max_response_bytes - len(received)))
                if not chunk:
                    break
                received += chunk
        return Answer(response.status, elapsed_ms(), received)
    except TimeoutError:
        raise SendFailed(f"no answer within {read_s:g} s", elapsed_ms()) from None
    except (OSError, http.client.HTTPException) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}"[:500], elapsed_ms()) from None
    finally:
        connection.close()
