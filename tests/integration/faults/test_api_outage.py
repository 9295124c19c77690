"""The API while PostgreSQL is down or the disk is full: 503 `unavailable` with Retry-After."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from accounts.models import TokenKind
from accounts.service import issue_token
from api.app import create_app
from core.db import transaction
from core.storage import PROBE_TIMEOUT_S
from tests.factories import make_style, make_user
from tests.integration.api.helpers import error_of, submit
from tests.support.disk import full_disk
from tests.support.faults import r2_through
from tests.support.forms import sign_in
from tests.support.tcpproxy import PASS, REFUSE, STALL


def test_postgresql_stop_and_start_gives_503_then_service(cluster, cluster_factory, fault_settings):
    with transaction(cluster_factory) as session:
        user = make_user(session)
        make_style(session, slug="modern", name="Modern")
        token = issue_token(session, user=user, kind=TokenKind.API, expires_in=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(fault_settings)
    with TestClient(app) as api, TestClient(app) as web:
        assert sign_in(web, user.email).status_code == 303
        assert submit(api, headers).status_code == 202
        cluster.stop()
        for _ in range(3):
            response = submit(api, headers)
            assert response.status_code == 503, response.text
            assert error_of(response)["code"] == "unavailable"
            assert "database is unavailable" in error_of(response)["message"]
            assert response.headers["Retry-After"] == "5"
        assert api.get("/api/v1/jobs", headers=headers).status_code == 503
        page = web.get("/jobs")
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert page.headers["content-type"].startswith("text/html")
        assert "Temporarily unavailable" in page.text
        ready = api.get("/readyz")
        assert ready.status_code == 503 and error_of(ready)["code"] == "database_unreachable"
        cluster.start()
        assert submit(api, headers).status_code == 202
        assert web.get("/jobs").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_readyz_says_503_on_a_full_disk(settings, engine, tmp_path):
    with full_disk(tmp_path) as disk:
        settings = settings.model_copy(update={"local_storage_dir": disk.root})
        with TestClient(create_app(settings)) as api:
            assert api.get("/readyz").status_code == 200
            disk.fill()
            ready = api.get("/readyz")
            assert ready.status_code == 503, ready.text
            assert error_of(ready)["code"] == "storage_unavailable"
            disk.free()
            assert api.get("/readyz").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("mode", [REFUSE, STALL])
def test_storage_refused_or_stalled_gives_503_in_bounded_time(
    s3_proxy, settings, engine, session_factory, mode
):
    proxy, bucket = s3_proxy
    # botocore alone would retry for far longer than these bounds.
    settings = r2_through(proxy, bucket, settings).model_copy(
        update={
            "r2_read_timeout_s": 5,
            "r2_max_attempts": 5,
            "r2_call_timeout_s": 3,
            "min_upload_side_px": 32,
        }
    )
    with transaction(session_factory) as session:
        user = make_user(session)
        make_style(session, slug="modern", name="Modern")
        token = issue_token(session, user=user, kind=TokenKind.API, expires_in=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as api:
        assert api.get("/readyz").status_code == 200
        proxy.set(mode)
        started = time.monotonic()
        ready = api.get("/readyz")
        assert ready.status_code == 503 and error_of(ready)["code"] == "storage_unavailable"
        assert time.monotonic() - started < PROBE_TIMEOUT_S + 1.5
        started = time.monotonic()
        response = submit(api, headers)
        assert response.status_code == 503 and error_of(response)["code"] == "unavailable"
        assert response.headers["Retry-After"] == "5"
        assert time.monotonic() - started < settings.r2_call_timeout_s + 1.5
        proxy.set(PASS)
        assert submit(api, headers).status_code == 202


def test_the_body_gate_answers_503_before_the_body_when_it_cannot_check_a_token(
    cluster, cluster_factory, tmp_path
):
    from tests.integration.api.test_body_gate import assert_secured, exchange, head
    from tests.support.processes import ApiServer, wait_for

    with transaction(cluster_factory) as session:
        user = make_user(session)
        token = issue_token(session, user=user, kind=TokenKind.API, expires_in=timedelta(hours=1))
    env = {"APP_ENV": "dev", "DATABASE_URL": cluster.url, "LOCAL_STORAGE_DIR": tmp_path / "files"}
    with ApiServer(tmp_path / "api.log", **env) as server:
        wait_for(lambda: "200 OK" in exchange(server.url, ["GET /healthz HTTP/1.1", "Host: t"]))
        upload = head("/api/v1/jobs", "Content-Length: 900000", f"Authorization: Bearer {token}")
        cluster.stop()
        started = time.monotonic()
        answer = exchange(server.url, upload)  # the head only: the body is never sent
        assert answer.startswith("HTTP/1.1 503"), answer[:300]
        assert "retry-after: 5" in answer.lower() and '"code":"unavailable"' in answer
        assert time.monotonic() - started < 10
        assert_secured(answer)
        cluster.start()
        wait_for(lambda: "HTTP/1.1 401" not in exchange(server.url, upload, wait_s=2)[:20])
