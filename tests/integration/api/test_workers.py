"""GET /api/v1/workers: the fleet with stale flags, for staff only."""

from __future__ import annotations

from datetime import timedelta

from core.db import transaction, utcnow
from jobs.models import WorkerRecord
from tests.integration.api.helpers import error_of


def test_staff_see_the_fleet_with_stale_flags_and_agents_are_refused(
    client, agent, staff, session_factory, settings
):
    now = utcnow()
    with transaction(session_factory) as session:
        for worker_id, beat in [
            ("fresh", now),
            ("gone", now - timedelta(seconds=4 * settings.lease_s)),
        ]:
            session.add(
                WorkerRecord(
                    id=worker_id,
                    host="pod-1",
                    pid=7,
                    generator="preview",
                    version="0.1.0",
                    started_at=beat,
                    last_heartbeat_at=beat,
                    current_job_id=None,
                )
            )
    refused = client.get("/api/v1/workers", headers=agent.headers)
    assert refused.status_code == 403 and error_of(refused)["code"]
    assert client.get("/api/v1/workers").status_code == 401

    listed = client.get("/api/v1/workers", headers=staff.headers)
    assert listed.status_code == 200
    assert [(w["id"], w["stale"]) for w in listed.json()] == [("gone", True), ("fresh", False)]
    assert listed.json()[1]["host"] == "pod-1" and listed.json()[1]["jobs_done"] == 0
