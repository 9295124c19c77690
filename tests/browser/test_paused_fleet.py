"""With no live worker (a fleet stopped, drained or scaled to zero), in Chromium on a laptop and
a phone: the agent's pending job says staging is paused, with no wait estimate, and picks up as
soon as a worker is back; staff read why; draining the last worker warns first; a drained worker
stays listed for a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from accounts.models import User
from catalog.models import Style
from catalog.sample_photo import sample_room_jpeg
from core.db import utcnow
from core.storage import LocalStorage
from jobs import fleet
from jobs.activity import PAUSED
from jobs.models import WorkerRecord
from tests.factories import make_job, make_worker_record
from tests.support.browser import (
    ADMIN,
    AGENT,
    LiveServer,
    save_docs_screenshot,
    screenshot,
    sign_in,
)

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


@pytest.fixture
def tab(browser: Browser, server_without_workers: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server_without_workers.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _pending_job(server: LiveServer) -> int:
    with server.sessions.begin() as session:
        agent = session.scalars(select(User).where(User.email == AGENT[0])).one()
        style = session.scalars(select(Style).where(Style.slug == "modern")).one()
        for minutes in (1, 2):  # a history from which a wait could be estimated
            make_job(
                session,
                user=agent,
                style=style,
                state="completed",
                started_at=utcnow() - timedelta(minutes=minutes),
                finished_at=utcnow() - timedelta(minutes=minutes, seconds=-30),
            )
        job = make_job(session, user=agent, style=style, run_after=utcnow())
        _store_photo(server, job.input_key)
        return job.id


def _store_photo(server: LiveServer, key: str) -> None:
    LocalStorage(server.storage_dir, "only-writes").put(key, sample_room_jpeg(), "image/jpeg")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_a_paused_fleet_is_said_and_a_worker_back_resumes_the_wait(
    tab: Page, server_without_workers: LiveServer, viewport
):
    server = server_without_workers
    tab.set_viewport_size(viewport)
    job_id = _pending_job(server)
    sign_in(tab, AGENT)
    tab.goto(f"/jobs/{job_id}")
    activity = tab.locator("[data-field='activity']")
    expect(activity).to_have_text(PAUSED)
    expect(activity).to_be_in_viewport()
    expect(tab.get_by_text("Estimated wait")).to_be_hidden()
    expect(tab.get_by_text("No live workers")).to_have_count(0)
    screenshot(tab, f"paused-{viewport['width']}")
    if viewport["width"] == 390:
        save_docs_screenshot(tab, "phone-paused")

    with server.sessions.begin() as session:
        make_worker_record(session, f"back-{viewport['width']}")
    expect(activity).to_have_text("Waiting in line")  # the page polls: no reload needed
    expect(tab.get_by_text("Estimated wait")).to_be_visible()
    with server.sessions.begin() as session:
        session.delete(session.get(WorkerRecord, f"back-{viewport['width']}"))
    expect(activity).to_have_text(PAUSED)


def test_staff_see_why_and_are_warned_before_draining_the_last_worker(
    tab: Page, server_without_workers: LiveServer
):
    server = server_without_workers
    job_id = _pending_job(server)
    sign_in(tab, ADMIN)
    tab.goto(f"/admin/jobs/{job_id}")
    expect(tab.get_by_text("No live workers: every worker has stopped")).to_be_visible()
    tab.goto("/admin/fleet")
    expect(tab.locator("#fleet-paused")).to_contain_text("Staging is paused: No live workers")

    with server.sessions.begin() as session:
        make_worker_record(session, "only-pod")
    tab.reload()
    expect(tab.locator("#fleet-paused")).to_have_count(0)
    tab.get_by_role("button", name="Drain only-pod").click()
    expect(tab.get_by_role("alert")).to_contain_text("It is the last live worker taking jobs")
    screenshot(tab, "drain-last-worker")
    tab.get_by_role("button", name="Drain it").click()
    expect(tab.locator("#fleet-paused")).to_contain_text("All 1 live worker(s) are draining")
    tab.goto(f"/admin/jobs/{job_id}")
    expect(tab.get_by_text("are draining")).to_be_visible()

    with server.sessions.begin() as session:  # the worker reads the flag, finishes and exits
        fleet.deregister(session, worker_id="only-pod")
    tab.goto("/admin/fleet")
    left = tab.get_by_role("region", name="Left in the last day")
    expect(left.get_by_role("row", name="only-pod")).to_contain_text("drained")
    expect(tab.locator("#fleet-paused")).to_contain_text("No live workers")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_a_running_job_says_what_the_agent_cares_about(
    tab: Page, server_without_workers: LiveServer, viewport
):
    server = server_without_workers
    tab.set_viewport_size(viewport)
    with server.sessions.begin() as session:
        agent = session.scalars(select(User).where(User.email == AGENT[0])).one()
        style = session.scalars(select(Style).where(Style.slug == "modern")).one()
        running = make_job(
            session,
            user=agent,
            style=style,
            state="running",
            variants=2,
            progress=40,
            stage="Placing furniture (variant 2/2)",
            started_at=utcnow(),
            locked_by="pod-a",
            lease_expires_at=utcnow() + timedelta(hours=1),
        )
        _store_photo(server, running.input_key)
    sign_in(tab, AGENT)
    tab.goto(f"/jobs/{running.id}")
    activity = tab.locator("[data-field='activity']")
    expect(activity).to_have_text("Staging variant 2 of 2")
    with server.sessions.begin() as session:  # the worker moves on to the quality gate
        job = session.get_one(type(running), running.id)
        job.stage, job.progress = "Re-roll 2: Labelling (variant 2/2)", 90
    expect(activity).to_have_text("Checking quality")
    main = tab.locator("main")
    expect(main).not_to_contain_text("Re-roll")
    expect(tab.get_by_text("Estimated wait")).to_be_hidden()
    expect(tab.get_by_text("Place in line")).to_be_hidden()
    screenshot(tab, f"running-{viewport['width']}")
    if viewport["width"] == 390:
        save_docs_screenshot(tab, "phone-progress")
