"""The queue's statements compile for PostgreSQL to the SQL checked in at tests/golden/.

A change to a statement, or to how SQLAlchemy renders it, shows up as a diff of that file in
review. After an intended change, regenerate it:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_queue_sql_golden.py
"""

from __future__ import annotations

import difflib
import os
from enum import Enum
from pathlib import Path

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

from jobs import room_guesses
from jobs.queue_sql import STATEMENTS

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "queue_sql.postgresql.sql"
REGENERATE = "UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_queue_sql_golden.py"


def _constant(value: object) -> str:
    return repr(value.value if isinstance(value, Enum) else value)


def render() -> str:
    """Every statement of jobs.queue_sql.Statements, in definition order, then the room type
    guesses' claim and finish, as psycopg gets them."""
    lines = [
        "-- The queue's statements (jobs/queue_sql.py, jobs/room_guesses.py) for PostgreSQL.",
        "-- Checked by tests/unit/test_queue_sql_golden.py; after an intended change run:",
        f"--   {REGENERATE}",
    ]
    dialect = postgresql.psycopg.dialect()
    guesses = {"guess_claim": room_guesses.CLAIM, "guess_finish": room_guesses.FINISH}
    for name, statement in {**vars(STATEMENTS["postgresql"]), **guesses}.items():
        if not (isinstance(statement, Executable) and isinstance(statement, ClauseElement)):
            continue
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        binds = {key: compiled.binds[key] for key in compiled.params}
        lines += ["", f"-- name: {name}"]
        lines.append(
            "-- parameters: " + ", ".join(key for key, bind in binds.items() if bind.required)
        )
        lines += [
            f"--   %({key})s = {_constant(bind.value)}"
            for key, bind in binds.items()
            if not bind.required
        ]
        # No trailing spaces: editors and hooks strip them from a checked-in file.
        lines += [line.rstrip() for line in compiled.string.splitlines()]
        lines[-1] += ";"
    return "\n".join(lines) + "\n"


def test_the_compiled_queue_sql_matches_the_golden_file() -> None:
    rendered = render()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(rendered)
        pytest.skip(f"rewrote {GOLDEN}")
    golden = GOLDEN.read_text() if GOLDEN.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            golden.splitlines(keepends=True),
            rendered.splitlines(keepends=True),
            fromfile=str(GOLDEN.relative_to(ROOT)),
            tofile="compiled now",
        )
    )
    assert not diff, f"the queue's SQL changed; review the diff, then run {REGENERATE}\n{diff}"
