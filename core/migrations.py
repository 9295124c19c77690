"""Run Alembic programmatically and tell whether a database is at the expected head."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The revision this code expects."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(bind: Engine | Connection) -> str | None:
    """The revision the database is at (None when never migrated)."""
    if isinstance(bind, Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaNotAtHead(RuntimeError):
    """The database schema is not the one this code was written for."""


def require_head(bind: Engine | Connection) -> None:
    """Refuse to run against a schema that is behind or ahead of this code."""
    current, head = current_revision(bind), head_revision()
    if current != head:
        raise SchemaNotAtHead(
            f"database schema is at {current or 'nothing'}, this code needs {head}: "
            "run `alembic upgrade head` (ops: migrate before starting API or workers)"
        )
