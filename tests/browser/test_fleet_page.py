"""Workers page: staff drain a worker (after a confirmation) and remove the rows of stale ones,
on laptop and phone; workers that left stay listed for a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from core.db import utcnow
from jobs.models import WorkerRecord
from tests.factories import make_worker_record
from tests.support.browser import ADMIN, AGENT, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_drain_a_worker_and_remove_stale_rows(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    tag = viewport["width"]
    with live_server.sessions.begin() as session:
        make_worker_record(session, f"gpu-pod-{tag}", last_heartbeat_at=utcnow())
        make_worker_record(
            session, f"gone-pod-{tag}", last_heartbeat_at=utcnow() - timedelta(hours=2)
        )
    sign_in(page, ADMIN)
    page.goto("/admin/fleet")
    page.get_by_role("button", name=f"Drain gpu-pod-{tag}").click()
    expect(page.get_by_role("heading", name=f"Drain gpu-pod-{tag}?")).to_be_visible()
    expect(page.locator(".alert-warning")).to_have_count(0)  # the real worker still takes jobs
    with live_server.sessions() as session:
        assert session.get(WorkerRecord, f"gpu-pod-{tag}").drain_requested_at is None
    page.get_by_role("button", name="Drain it").click()
    expect(page.locator(".alert-success")).to_contain_text(
        f"gpu-pod-{tag} will finish its current job, claim no more and exit"
    )
    expect(page.get_by_role("row", name=f"gpu-pod-{tag}")).to_contain_text("draining")
    page.get_by_role("button", name="stale worker row").click()
    expect(page.locator(".alert-success")).to_contain_text("Removed 1 stale worker row(s).")
    registered = page.get_by_role("region", name="Registered workers")
    expect(registered.get_by_text(f"gone-pod-{tag}")).to_have_count(0)
    left = page.get_by_role("region", name="Left in the last day")
    expect(left.get_by_role("row", name=f"gone-pod-{tag}")).to_contain_text("removed")
    with live_server.sessions() as session:
        assert session.get(WorkerRecord, f"gpu-pod-{tag}").drain_requested_at is not None
        assert session.get(WorkerRecord, f"gone-pod-{tag}") is None
    live_server.assert_alive()  # the real worker was neither drained nor removed


def test_agents_cannot_drain(page: Page, live_server):
    sign_in(page, AGENT)
    response = page.request.post("/admin/fleet/drain", form={"worker_id": "x"})
    assert response.status == 403
