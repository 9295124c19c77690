"""Shared fixtures: real PostgreSQL and SQLite databases migrated by Alembic, settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker
from core.migrations import upgrade
from core.settings import Settings
from schema import metadata
from tests.support.pgcluster import throwaway_database


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test session, migrated to head."""
    with throwaway_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file of this test session, migrated to head."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'stagewright.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on each database."""
    return request.getfixturevalue({"sqlite": "sqlite_url", "postgresql": "pg_url"}[request.param])


def _empty_tables(engine: Engine) -> None:
    tables = [table.name for table in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty, migrated database (emptied after the test too)."""
    engine = make_engine(db_url)
    _empty_tables(engine)
    yield engine
    _empty_tables(engine)
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Dev-mode settings on the test database and a temp storage directory."""
    return Settings(
        _env_file=None,
        database_url=db_url,
        local_storage_dir=tmp_path / "storage",
        wake_dir=tmp_path / "wake",
        poll_interval_s=0.2,
        lease_s=5,
        retry_base_s=0.1,
        retry_cap_s=0.5,
        shutdown_grace_s=2,
    )
