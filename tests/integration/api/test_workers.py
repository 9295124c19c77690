"""GET /api/v1/workers and the /admin/fleet page: the fleet with stale flags, staff only."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import TokenKind, User
from accounts.service import issue_token
from api.web_session import SESSION_COOKIE
from core.db import transaction, utcnow
from tests.factories import make_worker_record
from tests.integration.api.helpers import error_of


def add_fleet(session_factory, settings) -> None:
    now = utcnow()
    with transaction(session_factory) as session:
        make_worker_record(session, "fresh", last_heartbeat_at=now)
        gone = now - timedelta(seconds=4 * settings.lease_s)
        make_worker_record(session, "gone", last_heartbeat_at=gone)


def sign_in_page(session_factory, client, actor) -> None:
    with transaction(session_factory) as session:
        user = session.get_one(User, actor.user.id)
        token = issue_token(
            session, user=user, kind=TokenKind.SESSION, expires_in=timedelta(hours=1)
        )
    client.cookies.set(SESSION_COOKIE, token)


def test_staff_see_the_fleet_page_and_agents_are_refused(
    client, agent, staff, session_factory, settings
):
    add_fleet(session_factory, settings)
    sign_in_page(session_factory, client, agent)
    assert client.get("/admin/fleet").status_code == 403
    sign_in_page(session_factory, client, staff)
    page = client.get("/admin/fleet")
    assert page.status_code == 200 and "1 of 2 workers alive" in page.text
    assert '<a href="/admin/fleet" aria-current="page">Workers</a>' in page.text
    rows = page.text.split("<tbody>")[1].split("</tr>")
    assert "gone" in rows[0] and ">stale<" in rows[0]
    assert "fresh" in rows[1] and ">alive<" in rows[1] and "idle" in rows[1]


def test_staff_see_the_fleet_with_stale_flags_and_agents_are_refused(
    client, agent, staff, session_factory, settings
):
    add_fleet(session_factory, settings)
    refused = client.get("/api/v1/workers", headers=agent.headers)
    assert refused.status_code == 403 and error_of(refused)["code"]
    assert client.get("/api/v1/workers").status_code == 401

    listed = client.get("/api/v1/workers", headers=staff.headers)
    assert listed.status_code == 200
    assert [(w["id"], w["stale"]) for w in listed.json()] == [("gone", True), ("fresh", False)]
    assert listed.json()[1]["host"] == "pod-1" and listed.json()[1]["jobs_done"] == 0
