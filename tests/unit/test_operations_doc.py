"""OPERATIONS.md keeps up with the settings and keeps every runbook the issue asks for."""

from __future__ import annotations

from pathlib import Path

from core.settings import SdxlSettings, Settings

DOC = (Path(__file__).resolve().parents[2] / "OPERATIONS.md").read_text()


def test_every_setting_is_documented() -> None:
    names = [name.upper() for name in Settings.model_fields if name != "sdxl"]
    names += [f"SDXL_{name.upper()}" for name in SdxlSettings.model_fields]
    assert [name for name in names if f"| `{name}` |" not in DOC] == []


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


def _env_rows(text: str, heading: str) -> list[str]:
    section = text[text.index(heading) :]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            rows.append(line)
        elif rows and not line.startswith("|"):
            break
    return rows


def test_readme_configuration_table_matches_operations() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    operations = _env_rows(DOC, "## 2. Environment variables")
    assert len(operations) > 50
    assert _env_rows(readme, "## Configuration") == operations
