"""Migrations run from empty to head and back to base on both databases, keeping the data."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Style
from core.db import make_engine
from core.migrations import (
    SchemaNotAtHead,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    require_head,
    upgrade,
)
from tests.factories import make_job, make_style, make_user
from tests.support.pgcluster import throwaway_database

TABLES = {"users", "auth_tokens", "styles", "jobs", "workers", "room_guesses"}


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


def test_0006_stores_what_the_pages_used_to_infer_about_clean_copies(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    generators = {"sdxl": True, "preview": False, None: False}
    with Session(engine) as session, session.begin():
        user, style = make_user(session), make_style(session)
        ids = {make_job(session, user=user, style=style, generator=g).id: g for g in generators}

    downgrade(empty_url, "0005_modes_quality")
    assert "has_clean_copies" not in {c["name"] for c in inspect(engine).get_columns("jobs")}
    upgrade(empty_url)
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, has_clean_copies FROM jobs")).all())
    assert {ids[job_id]: bool(value) for job_id, value in stored.items()} == generators

    downgrade(empty_url, "0005_modes_quality")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM jobs")).scalar_one() == len(generators)
    engine.dispose()


def test_0011_drops_threshold_overrides_whose_score_changed_scale(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with Session(engine) as session, session.begin():
        rescaled = make_style(session, slug="old", quality_thresholds={"furniture": 0.3, "seam": 6})
        untouched = make_style(session, slug="new", quality_thresholds={"leftover": 0.1})
        ids = {rescaled.id: {"seam": 6}, untouched.id: {"leftover": 0.1}}

    downgrade(empty_url, "0007_room_guesses")
    upgrade(empty_url)
    with Session(engine) as session:
        stored = {s.id: s.quality_thresholds for s in session.scalars(select(Style))}
    assert stored == ids
    engine.dispose()


def test_0017_adds_sso_identities_without_touching_users_jobs(empty_url):
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with Session(engine) as session, session.begin():
        user, style = make_user(session), make_style(session)
        make_job(session, user=user, style=style)
        user.oidc_issuer, user.oidc_subject = "https://idp.example.com", "sub-1"

    before = ScriptDirectory.from_config(alembic_config(empty_url)).get_revision("0017_sso")
    downgrade(empty_url, before.down_revision)
    assert "oidc_subject" not in {c["name"] for c in inspect(engine).get_columns("users")}
    upgrade(empty_url)
    with engine.connect() as conn:  # SQLite copying the users table would cascade to the jobs
        assert conn.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 1
    with Session(engine) as session, session.begin():
        make_user(session, oidc_issuer="https://idp.example.com", oidc_subject="sub-2")
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        make_user(session, oidc_issuer="https://idp.example.com", oidc_subject="sub-2")
    engine.dispose()
