"""In Chromium: the upload size the agent chooses (fast, the stated default, or full resolution
for print), result thumbnails and a visible State column in the history lists on a phone, and
Retry offered in All jobs only where a retry can help."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import select

from accounts.models import User
from bench.photos import camera_photo
from catalog.models import Style
from core.storage import LocalStorage
from jobs.models import Job, JobState
from tests.factories import make_job
from tests.support.browser import ADMIN, AGENT, PHONE, save_docs_screenshot, screenshot, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def states_across(page: Page) -> None:
    """Every row's state badge lies wholly within the phone's width (no sideways scroll)."""
    badges = page.locator("td .badge").all()
    assert badges
    for badge in badges:
        box = badge.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def _input_width(live_server, job_id: int) -> int:
    with live_server.sessions() as session:
        return session.get(Job, job_id).input_width


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_fast_upload_is_the_stated_default_and_full_resolution_keeps_the_size(
    page: Page, live_server, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, AGENT)
    photo = FilePayload(name="print.jpg", mimeType="image/jpeg", buffer=camera_photo(3200, 2400))
    sizes = {}
    for choice in ("fast", "full"):
        page.goto("/")
        fast = page.get_by_label("Fast upload (scaled to 2560 px on the long edge)")
        expect(fast).to_be_checked()
        expect(page.locator("#size-field")).to_contain_text("The default is the fast upload")
        if choice == "full":
            page.get_by_label("Full resolution (for print; slower on a phone connection)").check()
        page.locator("#photos").set_input_files(photo)
        page.locator(".photo-item").get_by_label("Room type").select_option("living_room")
        page.get_by_role("button", name="Stage photos").click()
        page.wait_for_url(re.compile(r"/jobs/\d+$"))
        sizes[choice] = _input_width(live_server, int(page.url.rsplit("/", 1)[1]))
    assert sizes == {"fast": 2560, "full": 3200}


def test_history_shows_results_and_the_state_on_a_phone(page: Page, live_server):
    sign_in(page, AGENT)
    page.goto("/jobs")
    page.set_viewport_size(PHONE)
    done = page.get_by_role("row").filter(has=page.locator(".badge-completed")).first
    expect(done).to_be_visible()
    thumb = done.locator("img.thumb")
    expect(thumb).to_have_attribute("src", re.compile(r"/jobs/\d+/thumb/1\.jpg$"))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    region = page.get_by_role("region", name="Your staging jobs")
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")  # nothing hidden sideways
    states_across(page)
    expect(done.locator(".narrow-only")).to_be_visible()  # what was made, listing, date
    screenshot(page, "history-phone")
    save_docs_screenshot(page, "history-phone")


def test_all_jobs_offers_retry_only_where_it_can_help(page: Page, live_server):
    storage = LocalStorage(live_server.storage_dir, "only-writes")
    with live_server.sessions.begin() as session:
        agent = session.scalars(select(User).where(User.email == AGENT[0])).one()
        style = session.scalars(select(Style).where(Style.slug == "modern")).one()
        unreadable = make_job(
            session,
            user=agent,
            style=style,
            state=JobState.FAILED,
            errors=[{"attempt": 1, "at": "", "error": "input photo x is not a readable image"}],
        )
        gone = make_job(session, user=agent, style=style, state=JobState.CANCELLED)
        helpful = make_job(
            session,
            user=agent,
            style=style,
            state=JobState.FAILED,
            errors=[{"attempt": 3, "at": "", "error": "CUDA out of memory"}],
        )
        for job in (unreadable, helpful):
            storage.put(job.input_key, camera_photo(640, 480), "image/jpeg")
        ids = unreadable.id, gone.id, helpful.id
    sign_in(page, ADMIN)
    page.set_viewport_size(PHONE)
    page.goto("/admin/jobs?state=failed")
    expect(page.get_by_role("button", name=f"Retry job {ids[0]}")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Retry job {ids[2]}")).to_be_visible()
    page.goto("/admin/jobs?state=cancelled")
    expect(page.get_by_role("button", name=f"Retry job {ids[1]}")).to_have_count(0)
    page.goto(f"/admin/jobs/{ids[0]}")
    expect(page.get_by_text("We could not read this photo")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Retry"))).to_have_count(0)
    page.goto("/admin/jobs?state=failed")
    page.get_by_role("button", name=f"Retry job {ids[2]}").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Job #{ids[2]} is queued again.")
    page.goto("/admin/jobs")
    expect(page.get_by_role("row").filter(has=page.locator(".badge")).first).to_be_visible()
    states_across(page)
    region = page.get_by_role("region", name="Jobs")
    screenshot(page, "all-jobs-phone", full_page=True)
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
