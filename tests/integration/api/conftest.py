"""The real app on the test database (SQLite and PostgreSQL), with signed-in users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role, TokenKind
from accounts.service import issue_token
from api.app import create_app
from catalog.models import Style
from core.db import transaction
from core.settings import Settings
from core.storage import make_storage
from tests.factories import make_style, make_user
from tests.integration.api.helpers import Actor
from tests.support.one_connection import OneConnectionGuard
from worker.generators.preview import PreviewGenerator
from worker.loop import Worker
from worker.signals import Shutdown


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """Test settings that accept the factories' small photos."""
    return settings.model_copy(update={"min_upload_side_px": 32})


@pytest.fixture
def client(api_settings: Settings, engine) -> Iterator[TestClient]:
    """The app; no request may hold two connections at once."""
    app = create_app(api_settings)
    guard = OneConnectionGuard(app)
    with TestClient(app) as test_client:
        yield test_client
    guard.check()


@pytest.fixture
def make_actor(session_factory: sessionmaker[Session]):
    def make(role: Role = Role.AGENT, **fields) -> Actor:
        with transaction(session_factory) as session:
            user = make_user(session, role=role, **fields)
            token = issue_token(
                session, user=user, kind=TokenKind.API, expires_in=timedelta(hours=1)
            )
        return Actor(user, token)

    return make


@pytest.fixture
def agent(make_actor) -> Actor:
    return make_actor(Role.AGENT)


@pytest.fixture
def staff(make_actor) -> Actor:
    return make_actor(Role.MERCHANDISER)


@pytest.fixture
def style(session_factory: sessionmaker[Session]) -> Style:
    with transaction(session_factory) as session:
        return make_style(session, slug="modern", name="Modern")


@pytest.fixture
def preview_worker(api_settings: Settings, engine) -> Iterator[Worker]:
    """An in-process worker with the preview generator; `run_once()` serves one job."""
    worker = Worker(
        api_settings,
        generator=PreviewGenerator(step_delay_s=0),
        storage=make_storage(api_settings),
        engine=engine,
        shutdown=Shutdown(1),
    )
    yield worker
    worker.close()
