"""JSON log lines carry job_id and worker_id."""

from __future__ import annotations

import json
import logging

from core.logging import JsonFormatter


def test_json_line_with_context_fields():
    record = logging.LogRecord("worker.loop", logging.INFO, __file__, 1, "job %s", ("done",), None)
    record.job_id, record.worker_id = 42, "pod-1"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "job done" and entry["level"] == "info"
    assert (entry["job_id"], entry["worker_id"], entry["logger"]) == (42, "pod-1", "worker.loop")
    assert entry["ts"].endswith("+00:00")


def test_exceptions_are_kept_in_one_line():
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line and "ValueError: bad" in json.loads(line)["exc"]
