"""Migrations run from empty to head and back to base on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from core.db import make_engine
from core.migrations import (
    SchemaNotAtHead,
    current_revision,
    downgrade,
    head_revision,
    require_head,
    upgrade,
)
from tests.support.pgcluster import throwaway_database

TABLES = {"users", "auth_tokens", "styles", "jobs", "workers"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        with throwaway_database() as url:
            yield url


def test_upgrade_to_head_and_back_to_base(empty_url):
    engine = make_engine(empty_url)
    with pytest.raises(SchemaNotAtHead, match="at nothing"):
        require_head(engine)

    upgrade(empty_url)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert current_revision(engine) == head_revision()
    require_head(engine)
    index_names = {ix["name"] for ix in inspect(engine).get_indexes("jobs")}
    assert {"ix_jobs_pending", "ix_jobs_running_lease"} <= index_names

    downgrade(empty_url)
    assert not TABLES & set(inspect(engine).get_table_names())
    assert current_revision(engine) is None

    upgrade(empty_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
