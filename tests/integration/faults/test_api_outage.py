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
