"""Sleep until a job may be waiting: a NOTIFY on PostgreSQL, else the poll interval."""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from jobs.notify import CHANNEL

log = logging.getLogger(__name__)

STOP_CHECK_S = 0.5
"""Longest single wait, so a stop request is noticed promptly."""
RECONNECT_S = 5.0
"""Pause between attempts to re-open a dropped LISTEN connection."""


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL in the form psycopg.connect understands."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


class Wakeup:
    """LISTENs on a dedicated autocommit connection; polls while that is unavailable."""

    def __init__(self, database_url: str, *, poll_interval_s: float, stop: threading.Event) -> None:
        self._url = libpq_url(database_url) if database_url.startswith("postgresql") else None
        self._poll_s = poll_interval_s
        self._stop = stop
        self._conn: psycopg.Connection | None = None
        self._next_connect = 0.0

    def start(self) -> None:
        """Open the LISTEN connection before the first claim, so no NOTIFY is missed."""
        self._connect()

    def _connect(self) -> bool:
        """Open the listener; True when it was (re)opened just now."""
        if self._url is None or self._conn is not None or time.monotonic() < self._next_connect:
            return False
        try:
            self._conn = psycopg.connect(self._url, autocommit=True)
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            self._drop(f"cannot LISTEN, polling every {self._poll_s}s meanwhile: {exc}")
            return False
        log.info("listening for new jobs on channel %s", CHANNEL)
        return True

    def _drop(self, reason: str) -> None:
        log.warning("job listener: %s", reason)
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._next_connect = time.monotonic() + RECONNECT_S

    def wait(self) -> None:
        """Return on a NOTIFY, after the poll interval, or when stop is set."""
        deadline = time.monotonic() + self._poll_s
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._conn is None:
                if self._connect():
                    return  # NOTIFYs sent while disconnected were lost: look once now
                self._stop.wait(min(remaining, STOP_CHECK_S))
                continue
            try:
                timeout = min(remaining, STOP_CHECK_S)
                if list(self._conn.notifies(timeout=timeout, stop_after=1)):
                    self._drain()
                    return
            except psycopg.Error as exc:
                self._drop(f"connection lost, polling meanwhile: {exc}")

    def _drain(self) -> None:
        """Swallow NOTIFYs already queued: one claim loop serves them all."""
        for _ in self._conn.notifies(timeout=0):
            pass

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
