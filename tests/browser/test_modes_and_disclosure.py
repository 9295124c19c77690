"""In Chromium, on a laptop and a phone: a batch whose photos each have their own mode (the
batch's choice unless changed), removal jobs titled as removals, an emptied room staged as a
child job linked both ways, and the disclosure of each on its page and in the MLS zip."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import FilePayload, Page, expect

from core import disclosure
from tests.browser.test_sales_floor import jpeg
from tests.support.browser import AGENT, axe_violations, save_docs_screenshot, screenshot, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
DONE_MS = 60_000


def caption_of(page: Page) -> str:
    return page.get_by_label("Disclosure caption to paste into the listing").input_value()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_a_mixed_batch_then_the_emptied_room_staged(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    tag = viewport["width"]
    listing = f"{tag} Mode Mews"
    sign_in(page, AGENT)
    page.goto("/")
    page.get_by_label("Listing name or address").fill(listing)
    page.locator("#photos").set_input_files(
        [
            FilePayload(name="empty.jpg", mimeType="image/jpeg", buffer=jpeg()),
            FilePayload(name="furnished.jpg", mimeType="image/jpeg", buffer=jpeg()),
        ]
    )
    rows = page.locator(".photo-item")
    expect(rows).to_have_count(2)
    first, second = rows.nth(0), rows.nth(1)
    for row in (first, second):
        row.get_by_label("Room type").select_option("living_room")
        expect(row.get_by_label("What to do")).to_have_value("stage")  # the batch's choice
    second.get_by_label("What to do").select_option("declutter")
    page.get_by_label("Replace furniture").check()  # the batch's choice moves on ...
    expect(first.get_by_label("What to do")).to_have_value("restage")
    expect(second.get_by_label("What to do")).to_have_value("declutter")  # ... but not this one
    page.get_by_label("Empty room: add furniture").check()
    expect(first.get_by_label("What to do")).to_have_value("stage")
    assert not axe_violations(page)
    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs\?listing="))

    table = page.get_by_role("region", name="Your staging jobs")
    removal = table.get_by_role("row").filter(has_text="Furniture removed")
    expect(removal).to_have_count(1)
    removal.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Living room · Furniture removed")
    expect(page.locator("#compare")).to_be_visible(timeout=DONE_MS)
    assert caption_of(page) == disclosure.DEFAULTS["declutter"].caption
    expect(page.get_by_role("heading", name="Remove furniture again")).to_be_visible()
    expect(page.get_by_role("button", name="Again in this style")).to_have_count(0)
    expect(page.get_by_role("heading", name="In another style")).to_have_count(0)
    parent_url = page.url
    section = page.get_by_role("region", name="Stage this emptied room")
    section.get_by_label("Style").select_option("scandinavian")
    section.scroll_into_view_if_needed()
    screenshot(page, f"stage-emptied-{tag}")
    if tag == 1280:
        save_docs_screenshot(page, "declutter-then-stage")
    section.get_by_role("button", name="Stage this emptied room").click()

    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    assert page.url != parent_url
    expect(page.locator("#parent-link")).to_contain_text("variant 1 of job #")
    expect(page.get_by_role("heading", level=1)).to_have_text("Living room · Scandinavian")
    expect(page.locator("#compare")).to_be_visible(timeout=DONE_MS)
    assert caption_of(page) == disclosure.DEFAULTS["restage"].caption
    assert "seed" not in page.locator("main").inner_text()
    child_url = page.url
    page.locator("#parent-link a").click()
    expect(page).to_have_url(parent_url)
    page.get_by_role("region", name="Made from these results").get_by_role("link").click()
    expect(page).to_have_url(child_url)

    page.goto("/jobs?listing=" + listing.replace(" ", "+"))
    staged = page.get_by_role("row").filter(has_text="Modern")
    staged.get_by_role("link").click()
    expect(page.locator("#compare")).to_be_visible(timeout=DONE_MS)
    assert caption_of(page) == disclosure.DEFAULTS["stage"].caption
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the listing for MLS upload")).click()
    with zipfile.ZipFile(download.value.path()) as archive:
        caption = archive.read("caption.txt").decode().splitlines()
        names = archive.namelist()
    assert caption == [
        f"Photo 01: {disclosure.DEFAULTS['stage'].caption}",
        f"Photo 02: {disclosure.DEFAULTS['declutter'].caption}",
        f"Photo 03: {disclosure.DEFAULTS['restage'].caption}",
    ]
    assert "02-living-room-decluttered.jpg" in names and "03-living-room-restaged.jpg" in names
