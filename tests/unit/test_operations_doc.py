"""OPERATIONS.md keeps every runbook the issue asks for (its settings table: test_config_tables)."""

from __future__ import annotations

from pathlib import Path

DOC = (Path(__file__).resolve().parents[2] / "OPERATIONS.md").read_text()


def test_every_runbook_is_there() -> None:
    for title in [
        "Jobs stuck pending",
        "Jobs failing repeatedly",
        "GPU out of memory",
        "Slow generation",
        "Database connection exhaustion",
        "R2 outage",
        "Rotating secrets",
        "Restoring from backup",
        "Upgrade order: migrate → API → workers",
        "Scaling",
        "Service inventory",
        "First deploy from scratch",
    ]:
        assert f" {title}" in DOC, title
