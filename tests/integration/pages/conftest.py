"""The real app on the test database, driven through its HTML forms with a session cookie."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role, User
from api.app import create_app
from catalog.models import Style
from core.db import transaction
from core.settings import Settings
from tests.factories import make_style, make_user
from tests.support.forms import sign_in
from tests.support.one_connection import OneConnectionGuard


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"min_upload_side_px": 32})


@pytest.fixture
def make_client(web_settings: Settings, engine) -> Iterator[Callable[[], TestClient]]:
    """New clients (each with its own cookie jar) on one app; no request may hold two
    connections at once."""
    app = create_app(web_settings)
    guard = OneConnectionGuard(app)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    guard.check()


@pytest.fixture
def make_web_user(
    session_factory: sessionmaker[Session], make_client
) -> Callable[..., tuple[User, TestClient]]:
    """A user of the given role and a client signed in as them."""

    def make(role: Role = Role.AGENT, **fields) -> tuple[User, TestClient]:
        with transaction(session_factory) as session:
            user = make_user(session, role=role, **fields)
        client = make_client()
        response = sign_in(client, user.email)
        assert response.status_code == 303, response.text
        return user, client

    return make


@pytest.fixture
def style(session_factory: sessionmaker[Session]) -> Style:
    with transaction(session_factory) as session:
        return make_style(session, slug="modern", name="Modern")
