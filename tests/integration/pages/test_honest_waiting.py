"""With no live worker that takes jobs, a pending job says staging is paused (no wait estimate),
and staff read why; a running job shows what the agent cares about and no estimate."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import Role
from core.db import transaction, utcnow
from jobs.activity import PAUSED
from jobs.models import JobState, WorkerRecord
from tests.factories import make_job, make_worker_record


def _with_history(session, user, style) -> None:
    """Two finished jobs, so an estimate could be made."""
    now = utcnow()
    for minutes in (1, 2):
        make_job(
            session,
            user=user,
            style=style,
            state=JobState.COMPLETED,
            started_at=now - timedelta(minutes=minutes),
            finished_at=now - timedelta(minutes=minutes) + timedelta(seconds=20),
        )


def test_a_pending_job_says_staging_is_paused_until_a_worker_is_back(
    make_web_user, session_factory, style
):
    user, client = make_web_user()
    with transaction(session_factory) as session:
        _with_history(session, user, style)
        pending = make_job(session, user=user, style=style, run_after=utcnow())
        make_worker_record(session, "gone", last_heartbeat_at=utcnow() - timedelta(hours=1))

    body = client.get(f"/api/v1/jobs/{pending.id}").json()
    assert (body["paused"], body["activity"], body["estimated_wait_s"]) == (True, PAUSED, None)
    page = client.get(f"/jobs/{pending.id}").text
    assert PAUSED in page and "No live workers" not in page  # the agent reads no fleet internals

    _, staff = make_web_user(Role.MERCHANDISER)
    assert "No live workers" in staff.get(f"/admin/jobs/{pending.id}").text
    assert "Staging is paused: No live workers" in staff.get("/admin/fleet").text

    with transaction(session_factory) as session:
        make_worker_record(session, "draining", drain_requested_at=utcnow())
    assert client.get(f"/api/v1/jobs/{pending.id}").json()["paused"] is True
    assert "are draining" in staff.get(f"/admin/jobs/{pending.id}").text

    with transaction(session_factory) as session:
        make_worker_record(session, "taking")
    body = client.get(f"/api/v1/jobs/{pending.id}").json()
    assert (body["paused"], body["activity"]) == (False, "Waiting in line")
    assert body["estimated_wait_s"] == 20.0
    assert "Estimated wait" in client.get(f"/jobs/{pending.id}").text


def test_a_running_job_shows_its_activity_and_no_estimate(make_web_user, session_factory, style):
    user, client = make_web_user()
    with transaction(session_factory) as session:
        _with_history(session, user, style)
        running = make_job(
            session,
            user=user,
            style=style,
            state=JobState.RUNNING,
            started_at=utcnow(),
            progress=70,
            stage="Re-roll 2: Labelling (variant 2/2)",
            variants=2,
        )
        session.add(WorkerRecord(id="w", host="h", pid=1, generator="preview", version="1"))
    page = client.get(f"/jobs/{running.id}").text
    assert "Checking quality" in page
    assert "Re-roll 2" not in page  # the worker's words are for staff
    assert '<span data-when="estimate" hidden>' in page
    assert client.get(f"/api/v1/jobs/{running.id}").json()["activity"] == "Checking quality"
