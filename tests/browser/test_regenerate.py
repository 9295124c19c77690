"""On a phone: a finished job offers "again in this style" and "more like this variant", each
saying that it uses a job of the daily quota."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_sales_floor import add_photo, jpeg
from tests.support.browser import AGENT, PHONE, sign_in


def test_more_like_a_variant_and_again_in_this_style(page: Page, live_server):
    page.set_viewport_size(PHONE)
    sign_in(page, AGENT)
    page.goto("/")
    add_photo(page, "den.jpg", jpeg())
    page.locator(".photo-item").get_by_label("Room type").select_option("living_room")
    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    first = page.url
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("uses one job of your daily quota")).to_be_visible()

    more = page.get_by_role("button", name="More like this (variant 2)")
    expect(more).to_have_accessible_description(re.compile("uses one job of your daily quota"))
    more.click()
    page.wait_for_url(lambda url: url != first and re.search(r"/jobs/\d+$", url) is not None)
    expect(page.locator(".alert-success")).to_contain_text("Staging more like variant 2.")
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)

    second = page.url
    page.get_by_role("button", name="Again in this style (a fresh layout)").click()
    page.wait_for_url(lambda url: url not in (first, second) and "/jobs/" in url)
    expect(page.locator(".alert-success")).to_contain_text("Staging again in this style")
