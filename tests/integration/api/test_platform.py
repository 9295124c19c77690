"""Probes, signed file URLs, the OpenAPI document, and garbage input on every route."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.migrations import downgrade, upgrade
from core.settings import Settings, StorageBackend
from tests.integration.api.helpers import error_of, submit


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'stagewright_jobs{state="pending"} 0.0' in metrics.text


def test_readyz_503_when_schema_behind(tmp_path):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(url)
    downgrade(url, "base")
    settings = Settings(_env_file=None, database_url=url, local_storage_dir=tmp_path / "files")
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        error = error_of(response)
        assert error["code"] == "schema_not_at_head"
        assert "alembic upgrade head" in error["message"]
        assert client.get("/healthz").status_code == 200


PROD_SECRET = "2pYjAffn3og5XLo5a_p2oGEZlp0TxQIhaOSwDjeC"
OPS_TOKEN = "Vq8kTz3LmN0pRs6UwXy1Ab4Cd7Ef9GhJ2Kl5Mn"


def test_readyz_in_production_tells_anonymous_callers_only_ready_or_not(tmp_path):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(url)
    prod = Settings(
        _env_file=None,
        app_env="prod",
        secret_key=PROD_SECRET,
        metrics_token=OPS_TOKEN,
        database_url=url,
        local_storage_dir=tmp_path / "files",
    )
    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    with TestClient(create_app(prod)) as client:
        assert client.get("/readyz").json() == {
            "status": "ready",
            "schema_revision": None,
            "storage": None,
        }
        assert client.get("/readyz", headers=ops).json()["schema_revision"]
        downgrade(url, "base")
        anonymous = client.get("/readyz")
        assert anonymous.status_code == 503 and anonymous.headers["retry-after"]
        assert error_of(anonymous) == {"code": "not_ready", "message": "not ready", "field": None}
        for wrong in ({"Authorization": "Bearer guess"}, {}):
            assert "sqlite" not in client.get("/readyz", headers=wrong).text
        detailed = error_of(client.get("/readyz", headers=ops))
        assert detailed["code"] == "schema_not_at_head"


def test_readyz_503_when_storage_unusable(client, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    client.app.state.storage.root = blocker / "sub"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert error_of(response)["code"] == "storage_unavailable"


def test_signed_file_urls(client, agent, style):
    url = submit(client, agent.headers).json()["input_url"]
    assert client.get(url).status_code == 200
    path, query = url.split("?")
    params = dict(part.split("=") for part in query.split("&"))

    tampered = client.get(f"{path}?expires={params['expires']}&sig={'0' * 64}")
    assert tampered.status_code == 403
    assert error_of(tampered)["code"] == "bad_signature"
    other_key = path.replace("input.jpg", "mask.png")
    assert client.get(f"{other_key}?{query}").status_code == 403
    assert client.get(path).status_code == 422

    storage = client.app.state.storage
    past = int(time.time()) - 10
    assert (
        client.get(f"{path}?expires={past}&sig={storage.sign(path[7:], past)}").status_code == 403
    )
    missing = "jobs/999/input.jpg"
    later = int(time.time()) + 60
    assert (
        client.get(
            f"/files/{missing}?expires={later}&sig={storage.sign(missing, later)}"
        ).status_code
        == 404
    )
    escape = "../outside.txt"
    assert (
        client.get(f"/files/{escape}?expires={later}&sig={storage.sign(escape, later)}").status_code
        == 404
    )


def test_files_404_on_r2_backend(settings):
    r2 = settings.model_copy(
        update={
            "storage_backend": StorageBackend.R2,
            "r2_endpoint_url": "http://127.0.0.1:9",
            "r2_bucket": "bucket",
        }
    )
    with TestClient(create_app(r2)) as client:
        response = client.get("/files/jobs/1/input.jpg?expires=99999999999&sig=abc")
        assert response.status_code == 404


def test_openapi_lists_the_routes(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/token", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/jobs", "post"),
        ("/api/v1/jobs", "get"),
        ("/api/v1/jobs/{job_id}", "get"),
        ("/api/v1/jobs/{job_id}/cancel", "post"),
        ("/api/v1/jobs/{job_id}/retry", "post"),
        ("/api/v1/styles", "get"),
        ("/api/v1/room-types", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/files/{key}", "get"),
    }
    assert expected <= {(path, method) for path, ops in paths.items() for method in ops}
    for path, method in expected:
        assert paths[path][method]["summary"]
    assert "JobOut" in schema["components"]["schemas"]
    variant = schema["components"]["schemas"]["ResultOut"]["properties"]["variant"]
    assert variant["description"].startswith("1-based")


HUGE = "9" * 40
GARBAGE_GETS = [
    "/api/v1/jobs/abc",
    f"/api/v1/jobs/{HUGE}",
    "/api/v1/jobs/-1",
    "/api/v1/jobs/0",
    "/api/v1/jobs?page=0",
    f"/api/v1/jobs?page={HUGE}",
    "/api/v1/jobs?per_page=1000",
    "/api/v1/jobs?state=exploded",
    f"/api/v1/jobs?user_id={HUGE}",
    "/api/v1/jobs?created_from=yesterday",
    "/api/v1/jobs?listing=" + "x" * 500,
    "/files/jobs/1/input.jpg?expires=soon&sig=x",
    f"/files/jobs/1/input.jpg?expires={HUGE}&sig=x",
    "/api/v1/nothing-here",
]
GARBAGE_POSTS = [
    ("/api/v1/auth/token", {"json": {"email": 5, "password": None}}),
    ("/api/v1/auth/token", {"json": {"email": "a" * 10_000, "password": "x"}}),
    (
        "/api/v1/auth/token",
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
    ),
    ("/api/v1/auth/token", {"json": []}),
    ("/api/v1/jobs/abc/cancel", {}),
    (f"/api/v1/jobs/{HUGE}/cancel", {}),
    (f"/api/v1/jobs/{HUGE}/retry", {}),
    ("/api/v1/jobs/999999/retry", {}),
    ("/api/v1/jobs", {"data": {"style": "modern"}}),
    ("/api/v1/jobs", {"content": b"plain text body", "headers": {"Content-Type": "text/plain"}}),
    ("/api/v1/me", {}),
    ("/healthz", {}),
]
GARBAGE_FORMS = [
    {"variants": "many"},
    {"variants": "0"},
    {"variants": "5"},
    {"variants": HUGE},
    {"seed": "-1"},
    {"seed": str(2**32)},
    {"seed": HUGE},
    {"listing": "x" * 201},
    {"style": "x" * 300},
    {"room_type": "x" * 300},
    {"room_type": ""},
]


@pytest.mark.parametrize("path", GARBAGE_GETS)
def test_garbage_queries_get_4xx(client, staff, path):
    response = client.get(path, headers=staff.headers)
    assert 400 <= response.status_code < 500, response.text
    error_of(response)


@pytest.mark.parametrize(("path", "kwargs"), GARBAGE_POSTS)
def test_garbage_posts_get_4xx(client, staff, path, kwargs):
    headers = {**staff.headers, **kwargs.pop("headers", {})}
    response = client.post(path, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    error_of(response)


@pytest.mark.parametrize("form", GARBAGE_FORMS)
def test_garbage_job_forms_get_4xx(client, agent, style, form):
    response = submit(client, agent.headers, **form)
    assert 400 <= response.status_code < 500, response.text
    error_of(response)


def test_bad_idempotency_key_and_missing_photo(client, agent, style):
    long_key = submit(client, agent.headers, key="k" * 201)
    assert long_key.status_code == 422
    no_photo = client.post(
        "/api/v1/jobs", headers=agent.headers, data={"style": "modern", "room_type": "bedroom"}
    )
    assert no_photo.status_code == 422
    assert error_of(no_photo)["field"] == "photo"
