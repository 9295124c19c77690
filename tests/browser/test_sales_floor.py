"""An agent in a real Chromium: stage a photo end to end, bad uploads, refused admin pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from catalog.sample_photo import sample_room_jpeg
from tests.support.browser import (
    AGENT,
    RequestLog,
    axe_violations,
    save_docs_screenshot,
    screenshot,
    sign_in,
)

MAX_PAGE_BYTES = 300 * 1024


def jpeg() -> bytes:
    """A photo of an empty room (the sample the admin console's test runs use)."""
    return sample_room_jpeg()


def add_photo(page: Page, name: str, data: bytes, mime: str = "image/jpeg") -> None:
    page.locator("#photos").set_input_files({"name": name, "mimeType": mime, "buffer": data})


def assert_light_and_local(log: RequestLog, origin: str) -> None:
    """Under 300 KB transferred, every request to the app itself."""
    outside = [url for url in log.urls() if not url.startswith(origin)]
    assert not outside, outside
    assert log.transferred_bytes() < MAX_PAGE_BYTES, log.transferred_bytes()


def test_agent_stages_a_photo_and_compares_before_and_after(page: Page, live_server, requests_log):
    sign_in(page, AGENT)
    requests_log.clear()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert_light_and_local(requests_log, live_server.url)

    page.get_by_label("Listing name or address").fill("12 Harbour Street")
    add_photo(page, "living-room.jpg", jpeg())
    row = page.locator(".photo-item")
    expect(row.locator(".filename")).to_have_text("living-room.jpg")
    row.get_by_label("Room type").select_option("living_room")
    page.get_by_label("Variants per photo").select_option("2")
    screenshot(page, "new-staging")

    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)
    expect(page.locator(".gallery figure")).to_have_count(2)

    requests_log.clear()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert_light_and_local(requests_log, live_server.url)

    slider = page.get_by_label("Before/after split: how much of the staged photo to show")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("55")
    position = page.locator("#compare").evaluate("el => el.style.getPropertyValue('--pos')")
    assert position == "55%"
    slider.fill("30")  # most of the staged furniture in view for the README picture
    expect(page.locator("#compare")).to_have_attribute("style", re.compile(r"--pos: ?30%"))
    slider.blur()
    save_docs_screenshot(page, "sales-floor")
    page.get_by_role("button", name="Show variant 2 in the comparison").click()
    expect(page.locator("#compare .after img")).to_have_attribute("alt", "Staged photo, variant 2")
    screenshot(page, "results", full_page=True)
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright
    screenshot(page, "results-tablet")

    page.goto("/jobs?listing=harbour")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody .badge")).to_have_text("completed")


def test_bad_upload_shows_its_error_next_to_the_photo(page: Page, live_server):
    sign_in(page, AGENT)
    page.goto("/")
    add_photo(page, "floor-plan.jpg", b"this is a text file, not a photo")
    add_photo(page, "kitchen.jpg", jpeg())
    add_photo(page, "animation.gif", b"GIF89a", "image/gif")
    rows = page.locator(".photo-item")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).locator(".photo-error")).to_contain_text("JPEG, PNG or WebP")

    page.get_by_role("button", name="Stage photos").click()
    bad = rows.nth(0)
    expect(bad.locator(".photo-error")).to_be_visible()
    expect(bad).to_have_class(re.compile("has-error"))
    expect(rows.nth(1).locator(".photo-status a")).to_contain_text("view job")
    expect(page.locator("#form-status")).to_contain_text("need attention")
    screenshot(page, "bad-upload")
    assert not axe_violations(page)
    assert "/jobs/" not in page.url


def test_agent_is_refused_the_admin_console(page: Page, live_server):
    page.goto("/admin/styles")
    assert "/sign-in" in page.url
    sign_in(page, AGENT)
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Styles")
    ).to_have_count(0)
    response = page.goto("/admin/styles")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert not axe_violations(page)
    screenshot(page, "agent-refused")
