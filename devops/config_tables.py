"""The configuration tables of README.md and OPERATIONS.md, generated from core/settings.py:
`python -m devops.config_tables` checks them, `--write` rewrites them.

A table sits between the BEGIN and END comments; its rows come from the fields of `Settings` and
`SdxlSettings` (name, default, and the docstring that says who reads the setting and what it
does), then from OTHER_VARIABLES, which are read outside `Settings`.
"""

from __future__ import annotations

import argparse
import re
import sys
from enum import Enum
from pathlib import Path

from pydantic_settings import BaseSettings

from core.settings import SdxlSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "OPERATIONS.md")
BEGIN = "<!-- BEGIN settings table"
BEGIN_LINE = (
    f"{BEGIN}: generated from core/settings.py by python -m devops.config_tables --write -->"
)
END = "<!-- END settings table -->"
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


def table() -> str:
    """The generated table, markers included."""
    lines = rows(Settings, "", None) + rows(SdxlSettings, "SDXL_", "W")
    lines += [_row(*variable) for variable in OTHER_VARIABLES]
    return "\n".join([BEGIN_LINE, "", HEADER, *lines, "", END])


def rewritten(text: str) -> str:
    """The document with its settings table replaced by the generated one."""
    start = text.index(BEGIN)
    end = text.index(END, start) + len(END)
    return text[:start] + table() + text[end:]


def main(argv: list[str] | None = None) -> int:
    """Exit status 1 when a table is out of date (and not rewritten)."""
    parser = argparse.ArgumentParser(prog="python -m devops.config_tables", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the tables in place")
    args = parser.parse_args(argv)
    stale = []
    for name in DOCS:
        path = ROOT / name
        text = path.read_text()
        new = rewritten(text)
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
