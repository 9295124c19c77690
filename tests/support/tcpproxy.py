"""A TCP proxy in front of a real server (S3 or PostgreSQL) that a test can make refuse or stall.

- pass: bytes flow both ways.
- refuse: the port is closed (connections are refused) and open connections are cut.
- stall: connections are accepted and kept, but no byte moves either way (a hung server).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator

PASS, REFUSE, STALL = "pass", "refuse", "stall"
TICK_S = 0.05


class TcpProxy:
    """Listens on 127.0.0.1 and a free port; forwards to (host, port) as the mode allows."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = PASS
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = self._listen(0)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _listen(self, port: int) -> int:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        return listener.getsockname()[1]

    def set(self, mode: str) -> None:
        """Switch to PASS, REFUSE or STALL."""
        with self._lock:
            self.mode = mode
            if mode == REFUSE:
                if self._listener is not None:
                    # A thread in select() on it keeps it listening past close(); this does not.
                    with contextlib.suppress(OSError):
                        self._listener.shutdown(socket.SHUT_RDWR)
                    self._listener.close()
                    self._listener = None
                self._cut()
            elif self._listener is None:
                self._listen(self.port)

    def _cut(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()
        self._conns.clear()

    def _accept(self) -> None:
        while not self._closed.is_set():
            listener = self._listener
            if listener is None:
                self._closed.wait(TICK_S)
                continue
            with contextlib.suppress(OSError, ValueError):  # closed meanwhile (refuse)
                readable, _, _ = select.select([listener], [], [], TICK_S)
                if readable:
                    client, _ = listener.accept()
                    threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            if self.mode == REFUSE:  # accepted just before the cut: it holds the port too
                client.close()
                return
            self._conns.append(client)
        while self.mode == STALL and not self._closed.is_set():
            self._closed.wait(TICK_S)  # accepted, never answered
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        with self._lock:
            self._conns.append(server)
        self._pump(client, server)

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self._closed.is_set():
                if self.mode == STALL:
                    self._closed.wait(TICK_S)
                    continue
                readable, _, _ = select.select(list(peers), [], [], TICK_S)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in peers:
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._listener is not None:
                self._listener.close()
            self._cut()
        self._thread.join()


@contextlib.contextmanager
def tcp_proxy(upstream_host: str, upstream_port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(upstream_host, upstream_port)
    try:
        yield proxy
    finally:
        proxy.close()
