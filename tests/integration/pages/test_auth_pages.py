"""Sign in and out through the forms: cookie flags, messages, CSRF, inactive users."""

from __future__ import annotations

from sqlalchemy import func, select

from accounts.models import AuthToken, Role
from api.web_session import set_session_cookie
from core.db import transaction
from core.settings import AppEnv, Settings
from tests.factories import make_user
from tests.support.forms import csrf_of, post_form, sign_in


def test_sign_in_sets_a_session_cookie_and_sign_out_ends_it(make_client, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session, role=Role.AGENT)
    client = make_client()
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in?next=/"

    response = sign_in(client, user.email)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "sw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # dev mode: plain http on a laptop
    assert "New staging" in client.get("/").text

    assert post_form(client, "/sign-out").headers["location"] == "/sign-in"
    assert client.get("/", follow_redirects=False).status_code == 303
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuthToken)) == 0


def test_session_cookie_is_secure_outside_dev():
    from fastapi import Response

    settings = Settings(
        _env_file=None, app_env=AppEnv.PROD, secret_key="2pYjAffn3og5XLo5a_p2oGEZlp0TxQIhaOSwDjeC"
    )
    response = Response()
    set_session_cookie(response, "token", settings)
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_and_inactive_user_get_clear_messages(make_client, session_factory):
    with transaction(session_factory) as session:
        active = make_user(session)
        inactive = make_user(session, is_active=False)
    client = make_client()

    wrong = sign_in(client, active.email, "not-the-password")
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    assert "sw_session" not in wrong.headers.get("set-cookie", "")

    refused = sign_in(client, inactive.email)
    assert refused.status_code == 401
    assert "deactivated" in refused.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_token_are_refused(make_client, make_web_user, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session)
    client = make_client()
    client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"email": user.email, "password": "password"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "sw_session" not in response.headers.get("set-cookie", "")

    _, signed_in = make_web_user()
    forged = signed_in.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "Form expired" in forged.text
    assert signed_in.get("/", follow_redirects=False).status_code == 200


def test_next_only_goes_to_this_site(make_client, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session)
    client = make_client()
    token = csrf_of(client.get("/sign-in?next=//evil.example/x").text)
    response = client.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": "password",
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
