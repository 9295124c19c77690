"""The configuration tables of README.md and OPERATIONS.md, generated from the settings classes:
`python -m devops.config_tables` checks them, `--write` rewrites them.

A table sits between its BEGIN and END comments. The settings table (README.md, OPERATIONS.md)
has a row for each field of `Settings` and `SdxlSettings` (name, default, and the docstring that
says who reads the setting and what it does), then OTHER_VARIABLES, read outside `Settings`. The
autoscale table (OPERATIONS.md) has one for each field of `AutoscaleSettings`, then RUNPOD_API_KEY.
"""

from __future__ import annotations

import argparse
import re
import sys
from enum import Enum
from pathlib import Path

from pydantic_settings import BaseSettings

from core.settings import SdxlSettings, Settings
from devops.autoscale import AutoscaleSettings

ROOT = Path(__file__).resolve().parents[1]
HEADER = "| Variable | Default | Used by | Meaning |\n|---|---|---|---|"
USED_BY = re.compile(
    r"^((?:API|W|retention|webhooks)(?:, (?:API|W|webhooks))*(?: \([^)]*\))?): (.+)$", re.S
)

OTHER_VARIABLES = [
    (
        "`SEED_ADMIN_EMAIL`, `SEED_ADMIN_PASSWORD`",
        "empty",
        "`seed.py`",
        "First admin created by `python seed.py` if absent (or `--admin-email/--admin-password`)",
    ),
    ("`HF_TOKEN`", "empty", "W", "Hugging Face token, only for gated models"),
    ("`HF_HOME`", "`$WORKSPACE/hf`", "W", "Model cache on the volume (set by deploy.sh)"),
]
AUTOSCALER = "autoscaler"
RUNPOD_API_KEY = ("`RUNPOD_API_KEY`", "empty", AUTOSCALER, "RunPod API key; required")


def _default(value: object) -> str:
    """A default as the table shows it."""
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{value}`"


def _row(name: str, default: str, used_by: str, meaning: str) -> str:
    meaning = meaning.replace("|", "\\|")
    return f"| {name} | {default} | {used_by} | {meaning} |"


def rows(model: type[BaseSettings], prefix: str, used_by: str | None) -> list[str]:
    """One row per field; used_by None: the docstring starts with who reads the setting."""
    found = []
    for name, field in model.model_fields.items():
        if field.annotation is SdxlSettings:
            continue  # its own rows follow
        text = " ".join((field.description or "").split())
        if used_by is None:
            match = USED_BY.match(text)
            if not match:
                raise ValueError(f"{model.__name__}.{name}: docstring must start 'API, W: …'")
            who, text = match.groups()
        else:
            who = used_by
        if not text:
            raise ValueError(f"{model.__name__}.{name} has no docstring")
        found.append(_row(f"`{prefix}{name.upper()}`", _default(field.default), who, text))
    return found


def settings_rows() -> list[str]:
    """The rows of the settings table."""
    lines = rows(Settings, "", None) + rows(SdxlSettings, "SDXL_", "W")
    return lines + [_row(*variable) for variable in OTHER_VARIABLES]


def autoscale_rows() -> list[str]:
    """The rows of the autoscale table."""
    return [*rows(AutoscaleSettings, "AUTOSCALE_", AUTOSCALER), _row(*RUNPOD_API_KEY)]


TABLES = {
    "settings": ("core/settings.py", ("README.md", "OPERATIONS.md"), settings_rows),
    "autoscale settings": ("devops/autoscale.py", ("OPERATIONS.md",), autoscale_rows),
}
"""Each table by the name in its markers: the module it comes from, where it is, its rows."""
DOCS = tuple(dict.fromkeys(doc for _, docs, _ in TABLES.values() for doc in docs))


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- BEGIN {name} table", f"<!-- END {name} table -->"


def table(name: str) -> str:
    """A generated table, markers included."""
    source, _, make_rows = TABLES[name]
    begin, end = _markers(name)
    begin_line = f"{begin}: generated from {source} by python -m devops.config_tables --write -->"
    return "\n".join([begin_line, "", HEADER, *make_rows(), "", end])


def rewritten(text: str, doc: str) -> str:
    """The document (named doc) with its generated tables replaced by the current ones."""
    for name, (_, docs, _) in TABLES.items():
        if doc in docs:
            begin, end = _markers(name)
            start = text.index(begin)
            stop = text.index(end, start) + len(end)
            text = text[:start] + table(name) + text[stop:]
    return text


def main(argv: list[str] | None = None) -> int:
    """Exit status 1 when a table is out of date (and not rewritten)."""
    parser = argparse.ArgumentParser(prog="python -m devops.config_tables", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the tables in place")
    args = parser.parse_args(argv)
    stale = []
    for name in DOCS:
        path = ROOT / name
        text = path.read_text()
        new = rewritten(text, name)
        if new != text:
            stale.append(name)
            if args.write:
                path.write_text(new)
    if stale and not args.write:
        print(f"out of date: {', '.join(stale)}; run python -m devops.config_tables --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
