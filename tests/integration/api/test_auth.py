"""Bearer tokens, session cookies with CSRF, and refusals."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import Role, TokenKind
from accounts.security import csrf_token_for
from accounts.service import issue_token, set_active
from api.deps import SESSION_COOKIE, AdminUser, MerchandiserUser
from core.db import transaction
from tests.factories import PASSWORD, make_user
from tests.integration.api.helpers import error_of, submit


def test_anonymous_gets_401_json(client):
    for path in ("/api/v1/me", "/api/v1/jobs", "/api/v1/styles", "/api/v1/room-types"):
        response = client.get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_password_sign_in_then_revoke(client, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session, email="Agent@Example.com".lower())
    response = client.post(
        "/api/v1/auth/token", json={"email": " AGENT@example.com ", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers).json()
    assert (me["id"], me["role"]) == (user.id, "agent")

    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_wrong_password_and_unknown_email(client, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session)
    for email, password in ((user.email, "wrong-password"), ("nobody@example.com", PASSWORD)):
        response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert response.status_code == 401
        assert "wrong email or password" in error_of(response)["message"]


def test_inactive_user_refused(client, make_actor, session_factory):
    actor = make_actor(Role.AGENT)
    with transaction(session_factory) as session:
        set_active(session, user=session.merge(actor.user), active=False)
    assert client.get("/api/v1/me", headers=actor.headers).status_code == 401
    response = client.post(
        "/api/v1/auth/token", json={"email": actor.user.email, "password": PASSWORD}
    )
    assert response.status_code == 401


def test_expired_token_refused(client, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session)
        token = issue_token(
            session, user=user, kind=TokenKind.API, expires_in=timedelta(seconds=-1)
        )
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in error_of(response)["message"]


def test_session_cookie_needs_csrf_to_change_state(client, style, session_factory, api_settings):
    with transaction(session_factory) as session:
        user = make_user(session)
        cookie = issue_token(session, user=user, kind=TokenKind.SESSION, expires_in=None)
        api_token = issue_token(session, user=user, kind=TokenKind.API, expires_in=None)
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/api/v1/me").json()["id"] == user.id

    refused = submit(client, {})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    assert submit(client, {"X-CSRF-Token": "forged"}).status_code == 403
    csrf = csrf_token_for(cookie, api_settings.secret_key)
    assert submit(client, {"X-CSRF-Token": csrf}).status_code == 202

    # A session token is no bearer token and the other way round.
    client.cookies.clear()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code == 401
    )
    client.cookies.set(SESSION_COOKIE, api_token)
    assert client.get("/api/v1/me").status_code == 401


def test_role_dependencies(client, make_actor):
    @client.app.get("/test/merchandiser")
    def merchandiser_only(user: MerchandiserUser) -> dict:
        return {"id": user.id}

    @client.app.get("/test/admin")
    def admin_only(user: AdminUser) -> dict:
        return {"id": user.id}

    actors = {role: make_actor(role) for role in Role}
    expected = {
        "/test/merchandiser": {Role.AGENT: 403, Role.MERCHANDISER: 200, Role.ADMIN: 200},
        "/test/admin": {Role.AGENT: 403, Role.MERCHANDISER: 403, Role.ADMIN: 200},
    }
    for path, by_role in expected.items():
        for role, status in by_role.items():
            actor = actors[role]
            response = client.get(path, headers=actor.headers)
            assert response.status_code == status, (path, actor.user.role)
            if status == 403:
                assert error_of(response)["code"] == "forbidden"
