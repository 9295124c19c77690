"""An agent on a phone finds a failed job, reads what happened and retries it to completion."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from accounts.models import User
from catalog.models import Style
from catalog.sample_photo import sample_room_jpeg
from core.storage import LocalStorage
from tests.factories import make_job
from tests.support.browser import AGENT, PHONE, axe_violations, screenshot, sign_in


def _failed_job(live_server, *, photo: bool, error: str) -> int:
    storage = LocalStorage(live_server.storage_dir, "unused")
    with live_server.sessions.begin() as session:
        user = session.scalars(select(User).where(User.email == AGENT[0])).one()
        style = session.scalars(select(Style).where(Style.is_active).order_by(Style.id)).first()
        job = make_job(
            session,
            user=user,
            style=style,
            room_type=style.room_types[0],
            state="failed",
            attempt=3,
            errors=[{"attempt": 3, "at": "2026-12-03T10:00:00Z", "error": error}],
        )
        session.flush()
        if photo:
            storage.put(job.input_key, sample_room_jpeg(), "image/jpeg")
        return job.id


def test_agent_retries_a_failed_job_on_a_phone(page: Page, live_server):
    page.set_viewport_size(PHONE)
    job_id = _failed_job(live_server, photo=True, error="RuntimeError: out of memory")
    sign_in(page, AGENT)
    page.goto(f"/jobs/{job_id}")
    expect(page.get_by_text("Something went wrong on our side")).to_be_visible()
    expect(page.get_by_text("RuntimeError")).to_have_count(0)
    assert not axe_violations(page)
    page.get_by_role("button", name="Retry this job").click()
    expect(page.locator(".alert-success")).to_contain_text("Queued again")
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)


def test_a_job_whose_photo_is_gone_says_so_and_shows_no_broken_image(page: Page, live_server):
    page.set_viewport_size(PHONE)
    job_id = _failed_job(
        live_server, photo=False, error="bad input: input photo jobs/1/input.jpg is missing"
    )
    sign_in(page, AGENT)
    page.goto(f"/jobs/{job_id}")
    expect(page.get_by_text("The original photo is no longer stored")).to_be_visible()
    expect(page.get_by_role("button", name="Retry this job")).to_have_count(0)
    expect(page.get_by_role("img", name="Original photo")).to_have_count(0)
    expect(page.get_by_role("link", name="New staging").last).to_be_visible()
    screenshot(page, "job-photo-gone-phone")
