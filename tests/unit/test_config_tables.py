"""The README's and OPERATIONS.md's configuration tables are the ones generated from the settings
classes (Settings, SdxlSettings, AutoscaleSettings)."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import SdxlSettings, Settings
from devops.autoscale import AutoscaleSettings
from devops.config_tables import DOCS, ROOT, TABLES, main, rewritten, rows, table


@pytest.mark.parametrize("name", DOCS)
def test_checked_in_table_is_the_generated_one(name: str) -> None:
    text = (ROOT / name).read_text()
    assert rewritten(text, name) == text, f"{name}: run python -m devops.config_tables --write"


def _firsts(name: str) -> list[str]:
    return [line.split(" | ")[0].removeprefix("| ") for line in table(name).splitlines()]


def test_every_setting_has_one_row() -> None:
    names = [f"`{name.upper()}`" for name in Settings.model_fields if name != "sdxl"]
    names += [f"`SDXL_{name.upper()}`" for name in SdxlSettings.model_fields]
    firsts = _firsts("settings")
    assert [name for name in names if firsts.count(name) != 1] == []


def test_every_autoscale_setting_has_one_documented_row() -> None:
    names = [f"`AUTOSCALE_{name.upper()}`" for name in AutoscaleSettings.model_fields]
    firsts = _firsts("autoscale settings")
    assert [name for name in names if firsts.count(name) != 1] == []
    assert "`RUNPOD_API_KEY`" in firsts
    assert "`AUTOSCALE_IMAGE`" not in _firsts("settings")


def test_a_row_carries_default_readers_and_docstring() -> None:
    row = next(line for line in table("settings").splitlines() if line.startswith("| `LEASE_S` |"))
    assert row.startswith("| `LEASE_S` | `20` | W, API (`/metrics`) | Job lease; heartbeat every")


class _Undocumented(BaseSettings):
    model_config = SettingsConfigDict(use_attribute_docstrings=True)

    size: int = 1
    """How big, without saying who reads it"""


def test_a_setting_that_does_not_say_who_reads_it_is_refused() -> None:
    with pytest.raises(ValueError, match=r"_Undocumented.size: docstring must start"):
        rows(_Undocumented, "", None)


class _Silent(BaseSettings):
    model_config = SettingsConfigDict(use_attribute_docstrings=True)

    size: int = 1


def test_a_setting_without_a_docstring_is_refused() -> None:
    with pytest.raises(ValueError, match=r"_Silent.size has no docstring"):
        rows(_Silent, "AUTOSCALE_", "autoscaler")


def test_a_stale_table_is_reported_and_rewritten(tmp_path, monkeypatch) -> None:
    stale = "intro\n"
    for name in TABLES:
        stale += f"\n<!-- BEGIN {name} table: old -->\n| `OLD` | 1 | W | gone |\n"
        stale += f"<!-- END {name} table -->\n"
    stale += "\nafter\n"
    for name in DOCS:
        (tmp_path / name).write_text(stale)
    monkeypatch.setattr("devops.config_tables.ROOT", tmp_path)
    assert main([]) == 1
    assert main(["--write"]) == 0
    assert main([]) == 0
    readme, operations = ((tmp_path / name).read_text() for name in DOCS)
    assert readme.startswith("intro\n\n<!-- BEGIN settings table: generated")
    assert readme.endswith("<!-- END autoscale settings table -->\n\nafter\n")
    assert "`OLD`" not in operations
    # The README keeps the autoscale markers it was given: only OPERATIONS.md has that table.
    assert readme.count("`OLD`") == 1
    assert "`AUTOSCALE_MAX_PODS`" in operations
