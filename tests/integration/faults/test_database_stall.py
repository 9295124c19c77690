"""PostgreSQL that accepts connections but never answers (a hung server, a dead proxy): every
round trip of the API and of a worker is bounded, and both recover once it answers again."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from accounts.models import TokenKind
from accounts.service import issue_token
from api.app import create_app
from core.db import make_engine, transaction
from core.storage import attempt_prefix, job_result_key, make_storage
from jobs.models import JobState
from jobs.queue import LEASE_LOST_ERROR
from tests.factories import make_user
from tests.integration.api.helpers import error_of
from tests.support.faults import add_job, load, proxied_url
from tests.support.processes import wait_for
from tests.support.tcpproxy import PASS, REFUSE, STALL, tcp_proxy
from worker.generators.base import GenerationResult
from worker.generators.preview import PreviewGenerator

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

ANSWER_BOUND_S = 5.0
"""The API's promise while the database stalls: 503 (with Retry-After) within this."""


def database_proxy(settings):
    """A proxy in front of the settings' PostgreSQL."""
    parts = urlsplit(settings.database_url)
    return tcp_proxy(parts.hostname, parts.port)


class SlowFirstRun(PreviewGenerator):
    """Far longer than the lease on its first run (so a stall meets it mid-way), quick after;
    notes when each run ends."""

    def __init__(self) -> None:
        super().__init__(step_delay_s=0.5)
        self.ended: list[float] = []

    def generate(self, request, on_progress, should_stop) -> GenerationResult:
        try:
            return super().generate(request, on_progress, should_stop)
        finally:
            self.ended.append(time.monotonic())
            self.step_delay_s = 0


def test_the_api_answers_503_within_5_s_while_postgresql_stalls(settings, session_factory):
    with transaction(session_factory) as session:
        user = make_user(session)
        token = issue_token(session, user=user, kind=TokenKind.API, expires_in=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    with database_proxy(settings) as proxy:
        proxied = settings.model_copy(
            update={"database_url": proxied_url(settings.database_url, proxy)}
        )
        with TestClient(create_app(proxied)) as api:
            assert api.get("/readyz").status_code == 200
            assert api.get("/api/v1/me", headers=headers).status_code == 200
            proxy.set(STALL)
            took = []
            for path, sent in [("/readyz", {}), ("/api/v1/me", headers)] * 2:
                started = time.monotonic()
                response = api.get(path, headers=sent)
                took.append(time.monotonic() - started)
                assert response.status_code == 503, (path, response.text)
                assert response.headers["Retry-After"] == "5"
                code = "database_unreachable" if path == "/readyz" else "unavailable"
                assert error_of(response)["code"] == code
            assert max(took) < ANSWER_BOUND_S, took
            proxy.set(PASS)
            assert api.get("/readyz").status_code == 200
            me = api.get("/api/v1/me", headers=headers)
            assert me.status_code == 200 and me.json()["email"] == user.email


def test_a_worker_whose_database_stalls_stops_within_a_lease_and_the_job_completes_once(
    settings, session_factory, workers, caplog
):
    caplog.set_level(logging.INFO)
    settings = settings.model_copy(
        update={
            "lease_s": 4,
            "progress_interval_s": 0.05,
            # A beat hangs for 7 s, longer than the lease: the worker's own clock must stop it.
            "database_statement_timeout_s": 5,
            "database_connect_timeout_s": 2,
        }
    )
    storage = make_storage(settings)
    job_id = add_job(settings, session_factory, variants=4)
    generator = SlowFirstRun()
    with database_proxy(settings) as proxy:
        url = proxied_url(settings.database_url, proxy)
        proxied = settings.model_copy(update={"database_url": url})
        engine = make_engine(url, timeouts=proxied.database_timeouts)
        worker = workers.make(proxied, engine, generator=generator)
        loop = threading.Thread(target=worker.run)
        loop.start()
        try:
            wait_for(lambda: load(session_factory, job_id).progress > 0, what="progress")
            stalled_at = time.monotonic()
            proxy.set(STALL)
            wait_for(lambda: generator.ended, timeout_s=settings.lease_s + 2, what="a stop")
            # The lease ran from the last beat before the stall: the worker's own clock stops it.
            assert generator.ended[0] - stalled_at < settings.lease_s + 1, generator.ended
            assert "heartbeat failed" not in caplog.text  # the hung beat has not returned yet
            wait_for(lambda: "heartbeat failed" in caplog.text, timeout_s=10, what="a failed beat")
            assert "no answer from the database within 7 s" in caplog.text
            time.sleep(max(0.0, stalled_at + 3 * settings.lease_s - time.monotonic()))
            during = load(session_factory, job_id)  # read directly: only the worker is stalled
            assert (during.state, during.attempt, during.result_keys) == (JobState.RUNNING, 1, [])
            assert storage.keys(attempt_prefix(job_id, 1)) == []
            assert "job abandoned: lease lost, nothing recorded" in caplog.text
            proxy.set(REFUSE)  # the stall ends with a reset, as in the field
            proxy.set(PASS)
            wait_for(
                lambda: load(session_factory, job_id).state is JobState.COMPLETED,
                timeout_s=30,
                what="the job completed after the stall",
            )
        finally:
            worker.shutdown.request()
            loop.join(timeout=30)
            engine.dispose()
    assert not loop.is_alive()
    job = load(session_factory, job_id)
    assert job.attempt == 2  # claimed again once its lease had expired
    assert job.result_keys == [job_result_key(job_id, 2, n) for n in range(1, 5)]
    assert [error["error"] for error in job.errors] == [LEASE_LOST_ERROR]
    assert storage.keys(attempt_prefix(job_id, 1)) == []  # the abandoned run wrote nothing
    assert caplog.text.count("job completed") == 1
    assert len(generator.ended) == 2
