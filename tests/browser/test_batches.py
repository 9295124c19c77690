"""Batches on a phone: the left-out notice stays, quota is warned before it runs out, and every
photo that is not staged says why, with times a person reads."""

from __future__ import annotations

import re

from playwright.sync_api import FilePayload, Page, expect

from tests.browser.test_sales_floor import jpeg
from tests.factories import PASSWORD, make_user
from tests.support.browser import PHONE, sign_in

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _agent(live_server, email: str, quota: int | None = None) -> tuple[str, str]:
    with live_server.sessions.begin() as session:
        make_user(session, email=email, daily_quota=quota)
    return email, PASSWORD


def _photos(count: int) -> list[FilePayload]:
    data = jpeg()
    return [
        {"name": f"room-{n:02}.jpg", "mimeType": "image/jpeg", "buffer": data} for n in range(count)
    ]


def test_the_21st_photo_notice_stays_visible(page: Page, live_server):
    page.set_viewport_size(PHONE)
    sign_in(page, _agent(live_server, "batch-21@example.com"))
    page.goto("/")
    page.locator("#photos").set_input_files(_photos(21))
    expect(page.locator(".photo-item")).to_have_count(20)
    notice = page.locator("#batch-notice")
    expect(notice).to_have_text(
        "You can stage up to 20 photos at a time; 1 extra photo was left out."
    )
    page.wait_for_timeout(1000)
    page.locator(".photo-item").first.get_by_label("Room type").select_option("bedroom")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("1 extra photo was left out")
    expect(page.locator("#form-status")).to_have_text("20 photo(s) ready.")


def test_a_batch_over_the_quota_is_warned_and_the_extra_photo_says_why(page: Page, live_server):
    page.set_viewport_size(PHONE)
    sign_in(page, _agent(live_server, "batch-quota@example.com", quota=2))
    page.goto("/")
    expect(page.locator("#quota")).to_contain_text("It resets at midnight UTC, in ")
    expect(page.locator("#quota")).to_contain_text("your time)")
    page.locator("#photos").set_input_files(_photos(3))
    notice = page.locator("#batch-notice")
    expect(notice).to_contain_text(
        "You have 2 jobs left today, so the last 1 photo will not be staged. "
        "Your quota resets at midnight UTC ("
    )
    page.get_by_role("button", name="Stage photos").click()
    rows = page.locator(".photo-item")
    expect(rows.nth(0).locator(".photo-status a")).to_contain_text("view job", timeout=30_000)
    expect(rows.nth(1).locator(".photo-status a")).to_contain_text("view job")
    expect(rows.nth(2).locator(".photo-error")).to_contain_text(
        "Not staged: today's quota is used up. It resets at midnight UTC ("
    )
    expect(page.locator("#form-status")).to_contain_text("2 photo(s) queued; 1 need attention")
    assert not ISO_TIME.search(page.locator("main").inner_text())
