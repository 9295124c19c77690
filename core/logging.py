"""Structured logs: one JSON object per line, carrying job_id and worker_id when given."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

CONTEXT_FIELDS = ("job_id", "worker_id", "attempt", "state")


class JsonFormatter(logging.Formatter):
    """Formats a record as {ts, level, logger, msg, job_id?, worker_id?, ..., exc?}."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _ProcessContext(logging.Filter):
    """Adds fields known for the whole process (the worker id) to records that lack them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, object] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in self.fields.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


_context = _ProcessContext()


def set_log_context(**fields: object) -> None:
    """Fields every later log line of this process carries, e.g. worker_id."""
    _context.fields.update(fields)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON lines (called once per process)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_context)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
