"""On a phone: a finished job shows the disclosure caption and downloads the listing for MLS."""

from __future__ import annotations

import re
import zipfile

from playwright.sync_api import Page, expect

from tests.browser.test_sales_floor import add_photo, jpeg
from tests.support.browser import AGENT, PHONE, sign_in


def test_caption_and_listing_zip_for_the_mls(page: Page, live_server):
    page.set_viewport_size(PHONE)
    sign_in(page, AGENT)
    page.goto("/")
    page.get_by_label("Listing name or address").fill("7 MLS Row")
    add_photo(page, "kitchen.jpg", jpeg())
    page.locator(".photo-item").get_by_label("Room type").select_option("kitchen")
    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)

    caption = page.get_by_label("Disclosure caption to paste into the listing")
    expect(caption).to_have_value(re.compile("^Virtually staged: furniture and decor"))
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the listing for MLS upload")).click()
    assert download.value.suggested_filename == "mls-7-mls-row.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
    assert names[:3] == ["caption.txt", "01-kitchen-original.jpg", "01-kitchen-staged.jpg"]
