"""In Chromium, on a laptop and a phone: an agent enhances one photo, replaces the sky of
another with a sky from the library and makes a dusk version of a third, through the real
upload form and the preview worker, and sees each result with its own caption."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect

from core import disclosure
from tests.support.browser import AGENT, axe_violations, screenshot, sign_in
from tests.support.finishing_scenes import exterior, underexposed

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]
DONE_MS = 60_000
MADE = {"enhance": "Enhanced", "sky": "Sky replaced", "twilight": "Twilight"}


def exterior_jpeg(*, dark: bool = False) -> bytes:
    photo, _ = exterior(480, 320)
    buffer = io.BytesIO()
    Image.fromarray(underexposed(photo, 0.45) if dark else photo).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_enhance_a_sky_and_a_dusk_version_each_with_its_caption(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    tag = viewport["width"]
    listing = f"{tag} Finishing Fold"
    sign_in(page, AGENT)
    page.goto("/")
    page.get_by_label("Listing name or address").fill(listing)
    photos: list[FilePayload] = [
        {"name": f"{mode}.jpg", "mimeType": "image/jpeg", "buffer": exterior_jpeg(dark=True)}
        for mode in MADE
    ]
    page.locator("#photos").set_input_files(photos)
    rows = page.locator(".photo-item")
    expect(rows).to_have_count(3)
    for number, mode in enumerate(MADE):
        rows.nth(number).get_by_label("What to do").select_option(mode)
    page.get_by_label('Sky for "replace the sky"').select_option(label="Clear blue")
    expect(page.get_by_label("Enhance before staging")).not_to_be_checked()
    assert not axe_violations(page)
    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs\?listing="))

    table = page.get_by_role("region", name="Your staging jobs")
    for mode, made in MADE.items():
        page.goto("/jobs?listing=" + listing.replace(" ", "+"))
        row = table.get_by_role("row").filter(has_text=made)
        expect(row).to_have_count(1)
        row.get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(made)
        expect(page.locator("#compare")).to_be_visible(timeout=DONE_MS)
        caption = page.get_by_label("Disclosure caption to paste into the listing").input_value()
        assert caption == disclosure.DEFAULTS[mode].caption
        # No style applies: none of the staging actions are offered.
        expect(page.get_by_role("button", name="Again in this style")).to_have_count(0)
        expect(page.get_by_role("heading", name="In another style")).to_have_count(0)
        if mode == "sky":
            other = page.get_by_role("region", name="Try another sky")
            expect(other.get_by_label("Sky")).not_to_contain_text("Clear blue")
            expect(
                other.get_by_role("button", name="Replace the sky with this one")
            ).to_be_visible()
        page.locator("#compare").scroll_into_view_if_needed()
        screenshot(page, f"finishing-{mode}-{tag}")

    page.goto("/jobs?listing=" + listing.replace(" ", "+") + "&mode=twilight")
    expect(table.get_by_role("row").filter(has_text="Twilight")).to_have_count(1)
    expect(table.get_by_role("row").filter(has_text="Enhanced")).to_have_count(0)
