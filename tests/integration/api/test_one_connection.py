"""The guard every API and page test client runs under (tests/support/one_connection.py) catches
a handler that opens a second session while it holds the request's, as sign-in once did."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.deps import SessionDep
from core.db import transaction
from tests.support.one_connection import OneConnectionGuard


def test_the_guard_catches_a_second_session_held_with_the_first(api_settings, engine):
    app = create_app(api_settings)

    @app.get("/nested")
    def nested(session: SessionDep) -> dict[str, bool]:
        session.execute(text("SELECT 1"))
        with transaction(app.state.sessionmaker) as own:  # the old sign-in guard's pattern
            own.execute(text("SELECT 1"))
        return {"ok": True}

    @app.get("/one")
    def one(session: SessionDep) -> dict[str, bool]:
        session.execute(text("SELECT 1"))
        return {"ok": True}

    guard = OneConnectionGuard(app)
    with TestClient(app) as client:
        assert client.get("/one").status_code == 200
        assert guard.violations == []
        assert client.get("/nested").status_code == 200
    assert [mark.split(" #")[0] for mark in guard.violations] == ["GET /nested"]


def test_a_wrong_sign_in_holds_one_connection(client, agent):
    body = {"email": agent.user.email, "password": "wrong-password"}
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    # The client fixture's guard checks at teardown that no request held two connections.
