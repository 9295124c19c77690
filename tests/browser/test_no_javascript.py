"""With JavaScript off, New staging still stages one photo and says why it takes only one."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.test_sales_floor import jpeg
from tests.support.browser import AGENT, sign_in


@pytest.fixture
def no_js_phone(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_one_photo_stages_without_javascript(no_js_phone: Page, live_server):
    page = no_js_phone
    sign_in(page, AGENT)
    page.goto("/")
    notice = page.locator("noscript .alert")  # Playwright's text engine skips <noscript>
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("JavaScript is off, so New staging takes one photo")
    page.locator("#photos").set_input_files(
        {"name": "bedroom.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_label("Room type").select_option("bedroom")
    page.get_by_label("Listing name or address").fill("3 No-Script Lane")
    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text("Photo received")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bedroom")
    expect(page.get_by_text("3 No-Script Lane")).to_be_visible()


def test_two_photos_without_javascript_are_refused_in_words(no_js_phone: Page, live_server):
    page = no_js_phone
    sign_in(page, AGENT)
    page.goto("/")
    page.locator("#photos").set_input_files(
        [
            FilePayload(name="a.jpg", mimeType="image/jpeg", buffer=jpeg()),
            FilePayload(name="b.jpg", mimeType="image/jpeg", buffer=jpeg()),
        ]
    )
    page.get_by_role("button", name="Stage photos").click()
    expect(page.get_by_role("heading", name="One photo, please")).to_be_visible()
    expect(page.get_by_role("link", name="Back to New staging")).to_be_visible()
