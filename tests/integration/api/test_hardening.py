"""Security headers, production docs and metrics, and the weak-secret check."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from core.settings import AppEnv, Settings
from tests.support.forms import sign_in
from tests.support.loops import run_async

STRONG = "2pYjAffn3og5XLo5a_p2oGEZlp0TxQIhaOSwDjeC"


def prod_client(settings: Settings, **fields) -> TestClient:
    prod = settings.model_copy(update={"app_env": AppEnv.PROD, "secret_key": STRONG, **fields})
    return TestClient(create_app(prod))


def test_every_response_carries_the_security_headers(client):
    for url in ("/sign-in", "/api/v1/me", "/healthz", "/static/css/app.css", "/nowhere"):
        headers = client.get(url).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split(";")[1]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers  # dev mode: plain HTTP on a laptop


def _asgi_call(app, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    """One request straight through the ASGI app; the response start message."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    run_async(app, scope, receive, send)
    return sent[0]


def test_a_500_and_the_body_gates_own_refusals_carry_the_security_headers(api_settings, engine):
    app = create_app(api_settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        crashed = client.get("/boom")
        assert crashed.status_code == 500
        assert crashed.json()["error"]["code"] == "internal_error"
        answers = [(500, crashed.headers)]
        for status, headers in (
            (400, [(b"content-length", b"5"), (b"transfer-encoding", b"chunked")]),
            (400, [(b"content-length", "²".encode("latin-1"))]),
            (401, [(b"content-length", b"900000")]),
            (401, [(b"content-length", b"999999999"), (b"authorization", b"Bearer nope")]),
        ):
            start = _asgi_call(app, "POST", "/api/v1/jobs", headers)
            assert start["status"] == status
            answers.append((status, {k.decode(): v.decode() for k, v in start["headers"]}))
    for status, headers in answers:
        assert "frame-ancestors 'none'" in headers["content-security-policy"], status
        assert headers["x-content-type-options"] == "nosniff", status
        assert headers["cache-control"] == "no-store", status


def test_pages_and_api_answers_are_not_stored_but_static_files_are(client, agent):
    assert client.get("/sign-in").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/me", headers=agent.headers).headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/static/css/app.css").headers


def test_signed_in_pages_are_not_stored(client, make_actor):
    from accounts.models import Role

    actor = make_actor(Role.AGENT)
    assert sign_in(client, actor.user.email).status_code == 303
    page = client.get("/jobs")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"


def test_production_sends_hsts_and_has_no_docs(settings, engine):
    with prod_client(settings) as client:
        assert client.get("/healthz").headers["strict-transport-security"].startswith("max-age=")
        for url in ("/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui-bundle.js"):
            assert client.get(url).status_code == 404, url
        assert client.get("/metrics").status_code == 404  # no METRICS_TOKEN: off


def test_metrics_need_the_configured_bearer_token(settings, engine):
    token = secrets.token_urlsafe(32)
    with prod_client(settings, metrics_token=token) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": f"Bearer {token[:-1]}x"})
        assert wrong.status_code == 401
        right = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200
        assert "stagewright_jobs" in right.text


def test_dev_docs_come_from_the_app_not_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http" not in page.text  # every asset is on this site
    assert "<script>" not in page.text  # no inline script for the CSP to refuse
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert client.get("/static/js/api-docs.js").status_code == 200
    assert client.get("/redoc").status_code == 404  # ReDoc only comes from a CDN
    assert client.get("/openapi.json").json()["info"]["title"] == "Stagewright API"


WEAK = [
    "a" * 40,
    "change-me-change-me-change-me-change-me",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "0123456789" * 4,
    "Password1Password1Password1Password1",
    "ab" * 20,
    secrets.token_urlsafe(16),  # too short
    # Patterns that pass the character counts: only an estimator (zxcvbn) sees them.
    "Summer2026!Summer2026!Summer2026!Summer",
    "thequickbrownfoxjumpsoverthelazydog1234",
    "correct-horse-battery-staple-correct-horse",
    "Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3xx",
    "qwertyuiopasdfghjklzxcvbnm1234567890",
]


@pytest.mark.parametrize("secret", WEAK)
def test_weak_secrets_are_refused_in_production(secret, tmp_path: Path):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None, app_env=AppEnv.PROD, secret_key=secret)
    with pytest.raises(ValidationError, match="METRICS_TOKEN"):
        Settings(_env_file=None, app_env=AppEnv.PROD, secret_key=STRONG, metrics_token=secret)


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16)])
def test_random_secrets_pass(make):
    for _ in range(60):  # each is estimated by zxcvbn (tens of ms)
        Settings(_env_file=None, app_env=AppEnv.PROD, secret_key=make(), metrics_token=make())
