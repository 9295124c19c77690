"""Switching style never changes the room type an agent chose; unsuited styles say why."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_sales_floor import add_photo, jpeg
from tests.support.browser import AGENT, axe_violations, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_switching_style_keeps_the_room_type_and_explains_the_misfit(
    page: Page, live_server, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, AGENT)
    page.goto("/")
    add_photo(page, "kitchen.jpg", jpeg())
    room = page.locator(".photo-item").get_by_label("Room type")
    room.select_option("kitchen")
    page.locator("label[for='style-mid-century']").click()
    expect(room).to_have_value("kitchen")
    expect(page.locator(".photo-item .photo-error")).to_contain_text(
        "Mid-century modern is not offered for kitchens"
    )
    expect(page.locator("label[for='style-mid-century'] .style-fit")).to_have_text(
        "Not offered for: Kitchen"
    )
    assert not axe_violations(page)

    page.get_by_role("button", name="Stage photos").click()
    expect(room).to_have_value("kitchen")
    assert page.url.endswith("/")

    page.locator("label[for='style-scandinavian']").click()
    expect(room).to_have_value("kitchen")
    expect(page.locator(".photo-item .photo-error")).to_be_hidden()
    expect(page.locator("label[for='style-mid-century'] .style-fit")).to_be_visible()
    room.select_option("bathroom")
    expect(room).to_have_value("bathroom")
    expect(page.locator(".photo-item .photo-error")).to_be_hidden()
