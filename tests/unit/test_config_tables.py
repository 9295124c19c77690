"""The README's and OPERATIONS.md's configuration tables are the ones generated from Settings."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import SdxlSettings, Settings
from devops.config_tables import DOCS, ROOT, main, rewritten, rows, table


@pytest.mark.parametrize("name", DOCS)
def test_checked_in_table_is_the_generated_one(name: str) -> None:
    text = (ROOT / name).read_text()
    assert rewritten(text) == text, f"{name}: run python -m devops.config_tables --write"


def test_every_setting_has_one_row() -> None:
    names = [f"`{name.upper()}`" for name in Settings.model_fields if name != "sdxl"]
    names += [f"`SDXL_{name.upper()}`" for name in SdxlSettings.model_fields]
    firsts = [line.split(" | ")[0].removeprefix("| ") for line in table().splitlines()]
    assert [name for name in names if firsts.count(name) != 1] == []


def test_a_row_carries_default_readers_and_docstring() -> None:
    row = next(line for line in table().splitlines() if line.startswith("| `LEASE_S` |"))
    assert row.startswith("| `LEASE_S` | `20` | W, API (`/metrics`) | Job lease; heartbeat every")


class _Undocumented(BaseSettings):
    model_config = SettingsConfigDict(use_attribute_docstrings=True)

    size: int = 1
    """How big, without saying who reads it"""


def test_a_setting_that_does_not_say_who_reads_it_is_refused() -> None:
    with pytest.raises(ValueError, match=r"_Undocumented.size: docstring must start"):
        rows(_Undocumented, "", None)


def test_a_stale_table_is_reported_and_rewritten(tmp_path, monkeypatch) -> None:
    stale = "intro\n\n<!-- BEGIN settings table: old -->\n| `OLD` | 1 | W | gone |\n"
    stale += "<!-- END settings table -->\n\nafter\n"
    for name in DOCS:
        (tmp_path / name).write_text(stale)
    monkeypatch.setattr("devops.config_tables.ROOT", tmp_path)
    assert main([]) == 1
    assert main(["--write"]) == 0
    assert main([]) == 0
    text = (tmp_path / "README.md").read_text()
    assert text.startswith("intro\n\n<!-- BEGIN settings table: generated")
    assert text.endswith("<!-- END settings table -->\n\nafter\n")
    assert "`OLD`" not in text
