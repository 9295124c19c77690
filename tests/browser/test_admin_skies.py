"""The sky library in Chromium, on a laptop and a phone: the seeded skies shown, the empty form's
errors, an upload, a refused upload, deactivate and delete."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from catalog.generated_skies import LOOKS
from tests.factories import sky_jpeg
from tests.support.browser import MERCHANDISER, axe_violations, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_the_seeded_skies_are_listed_with_their_pictures(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles")
    page.get_by_role("link", name="Skies").click()
    expect(page.get_by_role("heading", name="Skies", exact=True)).to_be_visible()
    for look in LOOKS.values():
        image = page.get_by_role("img", name=f"The sky “{look.name}”")
        image.scroll_into_view_if_needed()
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert not axe_violations(page)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_add_a_sky_then_deactivate_and_delete_it(page: Page, live_server, viewport, tmp_path):
    page.set_viewport_size(viewport)
    name = f"Harbour {viewport['width']}"
    sign_in(page, MERCHANDISER)
    page.goto("/admin/skies")

    page.get_by_role("button", name="Add sky").click()  # the empty form, as it is
    expect(page.locator("#name-error")).to_have_text("Name is required.")
    expect(page.locator("#licence-error")).to_have_text("Licence is required.")
    expect(page.locator("#image-error")).to_contain_text("Choose an image of the sky")
    assert not axe_violations(page)

    page.get_by_label("Name").fill(name)
    page.get_by_label("Licence").fill("CC0")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    page.get_by_label("Image").set_input_files(str(text))
    page.get_by_role("button", name="Add sky").click()
    expect(page.locator("#image-error")).to_contain_text("must be a JPEG, PNG or WebP image")
    expect(page.get_by_label("Name")).to_have_value(name)

    photo = tmp_path / "sky.jpg"
    photo.write_bytes(sky_jpeg(1200, 800))
    page.get_by_label("Image").set_input_files(str(photo))
    page.get_by_label("Credit").fill("Jo Photographer")
    page.get_by_role("button", name="Add sky").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Added the sky “{name}”.")
    row = page.locator("tr", has=page.get_by_text(name, exact=True))
    expect(row.get_by_text("1200 \u00d7 800 px")).to_be_visible()  # a multiplication sign
    expect(row.get_by_text("Jo Photographer")).to_be_visible()

    page.get_by_role("button", name=f"Deactivate {name}").click()
    expect(page.locator(".alert-success")).to_contain_text(f"“{name}” is now inactive.")
    expect(row.get_by_text("inactive", exact=True)).to_be_visible()

    page.get_by_role("button", name=f"Delete {name}").click()
    expect(page.get_by_role("heading", name=f"Delete the sky “{name}”?")).to_be_visible()
    page.get_by_role("button", name="Delete it for good").click()
    expect(page.locator(".alert-success")).to_contain_text(f"“{name}” was deleted.")
    expect(page.get_by_text(name, exact=True)).to_have_count(0)
