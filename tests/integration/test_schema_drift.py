"""The migrations build the schema that the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.types import TypeEngine

from core.db import make_engine
from core.migrations import upgrade
from schema import metadata
from tests.support.pgcluster import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def two_empty_urls(request, tmp_path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one kind: one for the migrations, one for the models."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}", f"sqlite:///{tmp_path / 'created.db'}"
    else:
        with throwaway_database() as migrated, throwaway_database() as created:
            yield migrated, created


def _plain(value: object) -> object:
    """A reflected value made comparable: types and SQL expressions as text."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, TypeEngine):
        return repr(value)
    if isinstance(value, ClauseElement):
        return str(value)
    return value


def describe(engine: Engine) -> dict[str, object]:
    """The reflected schema, one entry per column, index and constraint (order aside)."""
    inspector = inspect(engine)
    schema: dict[str, object] = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        for column in inspector.get_columns(table):
            schema[f"{table}.{column['name']}"] = _plain(column)
        schema[f"{table} primary key"] = _plain(inspector.get_pk_constraint(table))
        for kind, items, named_by in (
            ("index", inspector.get_indexes(table), "column_names"),
            ("unique", inspector.get_unique_constraints(table), "column_names"),
            ("foreign key", inspector.get_foreign_keys(table), "constrained_columns"),
            ("check", inspector.get_check_constraints(table), "sqltext"),
        ):
            for item in items:
                fields = dict(item)
                # SQLite leaves foreign keys and checks unnamed: name them by what they cover.
                schema[f"{table} {kind} {fields['name'] or fields[named_by]}"] = _plain(item)
    return schema


def test_the_migrations_build_the_schema_the_models_describe(two_empty_urls) -> None:
    migrated_url, created_url = two_empty_urls
    upgrade(migrated_url)
    migrated, created = make_engine(migrated_url), make_engine(created_url)
    try:
        # Autogenerate would write no migration: tables, columns, types, nullability,
        # server defaults, indexes, unique and foreign keys agree.
        with migrated.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, metadata) == []
        # What autogenerate does not compare (a partial index's WHERE, check constraints,
        # autoincrement): the reflected schema equals that of the models' create_all.
        metadata.create_all(created)
        from_migrations, from_models = describe(migrated), describe(created)
        differences = [
            f"{key}: migrations {from_migrations.get(key, 'absent')!r}, "
            f"models {from_models.get(key, 'absent')!r}"
            for key in sorted(from_migrations.keys() | from_models.keys())
            if from_migrations.get(key) != from_models.get(key)
        ]
        assert differences == []
        assert "jobs index ix_jobs_pending" in from_models  # the comparison saw the indexes
    finally:
        migrated.dispose()
        created.dispose()
