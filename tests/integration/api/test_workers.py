"""GET /api/v1/workers: the fleet with stale flags, for staff only."""

from __future__ import annotations

from datetime import timedelta

from core.db import transaction, utcnow
from tests.factories import make_worker_record
from tests.integration.api.helpers import error_of


def test_staff_see_the_fleet_with_stale_flags_and_agents_are_refused(
    client, agent, staff, session_factory, settings
):
    now = utcnow()
    with transaction(session_factory) as session:
        make_worker_record(session, "fresh", last_heartbeat_at=now)
        gone = now - timedelta(seconds=4 * settings.lease_s)
        make_worker_record(session, "gone", last_heartbeat_at=gone)
    refused = client.get("/api/v1/workers", headers=agent.headers)
    assert refused.status_code == 403 and error_of(refused)["code"]
    assert client.get("/api/v1/workers").status_code == 401

    listed = client.get("/api/v1/workers", headers=staff.headers)
    assert listed.status_code == 200
    assert [(w["id"], w["stale"]) for w in listed.json()] == [("gone", True), ("fresh", False)]
    assert listed.json()[1]["host"] == "pod-1" and listed.json()[1]["jobs_done"] == 0
