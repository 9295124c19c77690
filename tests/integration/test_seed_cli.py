"""seed.py: catalog and first users, idempotent; demo users only in dev mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

import seed
from accounts.models import Role, User
from accounts.service import authenticate
from catalog.models import Style
from core.settings import AppEnv

ROOT = Path(__file__).resolve().parents[2]


def snapshot(session_factory) -> tuple[list, list]:
    with session_factory() as session:
        styles = [
            (s.id, s.slug, s.sort_order) for s in session.scalars(select(Style).order_by(Style.id))
        ]
        users = [(u.id, u.email, u.role) for u in session.scalars(select(User).order_by(User.id))]
    return styles, users


def test_seed_twice_changes_nothing(settings, session_factory, capsys):
    argv = ["--demo", "--admin-email", "Ops@Example.com", "--admin-password", "ops-password-1"]
    assert seed.main(argv, settings) == 0
    first = snapshot(session_factory)
    assert seed.main(argv, settings) == 0
    assert snapshot(session_factory) == first
    styles, users = first
    assert len(styles) >= 8
    assert {(email, role) for _, email, role in users} == {
        ("ops@example.com", Role.ADMIN),
        ("agent@stagewright.local", Role.AGENT),
        ("admin@stagewright.local", Role.ADMIN),
    }
    with session_factory() as session:
        assert authenticate(session, email="agent@stagewright.local", password="stagewright-demo")
        assert authenticate(session, email="admin@stagewright.local", password="stagewright-admin")
    output = capsys.readouterr().out
    assert "created agent agent@stagewright.local" in output
    assert "already exists" in output


def test_demo_refused_outside_dev(settings, session_factory, capsys):
    prod = settings.model_copy(
        update={"app_env": AppEnv.PROD, "secret_key": "2pYjAffn3og5XLo5a_p2oGEZlp0TxQIhaOSwDjeC"}
    )
    assert seed.main(["--demo"], prod) == 2
    assert "APP_ENV must be dev" in capsys.readouterr().out
    assert snapshot(session_factory) == ([], [])


def test_cli_refuses_demo_in_prod_from_the_environment(sqlite_url):
    env = {
        **os.environ,
        "APP_ENV": "prod",
        "SECRET_KEY": "2pYjAffn3og5XLo5a_p2oGEZlp0TxQIhaOSwDjeC",
        "DATABASE_URL": sqlite_url,
    }
    result = subprocess.run(
        [sys.executable, "seed.py", "--demo"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert "refusing --demo" in result.stdout
