"""The single sign-on routes against the real test provider, without a browser: what the start
sends (PKCE S256, state, nonce), the callback's refusals, and a provider that never answers."""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from accounts.models import OidcSignIn
from accounts.security import hash_token
from api.app import create_app
from core.settings import Settings
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

BASE_URL = "http://testserver"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    accounts = {"ava": {"email": "ava@brokerage.test", "email_verified": True, "groups": []}}
    root = tmp_path_factory.mktemp("sso-pages")
    with OidcProvider(root, redirect_uri=f"{BASE_URL}/sso/callback", accounts=accounts) as idp:
        yield idp


def sso_settings(settings: Settings, issuer: str, **extra: object) -> Settings:
    return settings.model_copy(
        update={
            "base_url": BASE_URL,
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_default_role": "agent",
            "oidc_provider_name": "Okta",
            **extra,
        }
    )


@pytest.fixture
def client(settings: Settings, idp: OidcProvider, engine) -> Iterator[TestClient]:
    with TestClient(create_app(sso_settings(settings, idp.issuer))) as client:
        yield client


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_start_sends_pkce_state_and_nonce_and_the_provider_takes_them(
    client: TestClient, idp: OidcProvider, session_factory
):
    page = client.get("/sign-in")
    assert 'href="/sso/start?next=/"' in page.text and "Sign in with Okta" in page.text

    response = client.get("/sso/start", params={"next": "/jobs"}, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{idp.issuer}/auth?")
    query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{BASE_URL}/sso/callback"
    assert query["scope"].split()[0] == "openid" and query["code_challenge_method"] == "S256"
    cookie = response.headers["set-cookie"]
    assert "sw_sso=" in cookie and "HttpOnly" in cookie and "Path=/sso/callback" in cookie
    with session_factory() as session:
        row = session.scalar(select(OidcSignIn))
        assert row is not None and row.state_hash == hash_token(query["state"])
        assert row.nonce == query["nonce"] and row.next_url == "/jobs"
        assert _s256(row.code_verifier) == query["code_challenge"]
    # The provider accepts the request: it sends the browser on to its login interaction.
    answer = httpx.get(location, follow_redirects=False, timeout=10)
    assert answer.status_code == 303 and "/interaction/" in answer.headers["location"]


def test_start_keeps_next_on_this_site(client: TestClient, session_factory):
    client.get("/sso/start", params={"next": "//evil.example/x"}, follow_redirects=False)
    with session_factory() as session:
        assert session.scalar(select(OidcSignIn.next_url)) == "/"


def test_a_callback_without_its_sign_in_is_refused(client: TestClient):
    response = client.get("/sso/callback", params={"state": "made-up", "code": "x"})
    assert response.status_code == 400 and "Sign-in link expired" in response.text
    assert "sw_session" not in response.headers.get("set-cookie", "")


def test_the_provider_saying_no_is_a_401_page(client: TestClient):
    start = client.get("/sso/start", follow_redirects=False).headers["location"]
    state = parse_qs(urlsplit(start).query)["state"][0]
    response = client.get("/sso/callback", params={"state": state, "error": "access_denied"})
    assert response.status_code == 401 and "access_denied" in response.text
    assert "sw_session" not in response.headers.get("set-cookie", "")


def test_a_code_the_provider_never_issued_is_a_401_page(client: TestClient):
    start = client.get("/sso/start", follow_redirects=False).headers["location"]
    state = parse_qs(urlsplit(start).query)["state"][0]
    response = client.get("/sso/callback", params={"state": state, "code": "forged-code"})
    assert response.status_code == 401 and "did not pass our checks" in response.text
    assert "sw_session" not in response.headers.get("set-cookie", "")


def test_without_a_provider_the_routes_are_not_there(settings: Settings, engine):
    with TestClient(create_app(settings)) as client:
        assert "/sso/start" not in client.get("/sign-in").text
        assert client.get("/sso/start", follow_redirects=False).status_code == 404
        assert client.get("/sso/callback", params={"state": "x"}).status_code == 404


def test_a_provider_that_never_answers_is_a_502_page_within_the_deadline(
    settings: Settings, engine, tmp_path: Path
):
    silent = socket.socket()  # listens, never accepts: connections open, answers never come
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    issuer = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        app = create_app(sso_settings(settings, issuer, oidc_timeout_s=0.5))
        with TestClient(app) as client:
            began = time.monotonic()
            response = client.get("/sso/start", follow_redirects=False)
            took = time.monotonic() - began
        assert response.status_code == 502 and "Sign-in provider unavailable" in response.text
        assert took < 5, took
    finally:
        silent.close()
