"""Every filter form submitted as a person submits it: untouched fields go as empty values."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import ADMIN, AGENT, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def _filter(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form.filters").get_by_role("button", name="Filter").click()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_my_jobs_filters_by_listing_alone_and_by_nothing(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, AGENT)
    page.goto("/jobs")
    page.get_by_label("Listing").fill("no such listing anywhere")
    _filter(page)
    assert "state=&listing=" in page.url
    expect(page.get_by_role("heading", name="My jobs")).to_be_visible()
    expect(page.get_by_text("No jobs match.")).to_be_visible()
    expect(page.get_by_label("Listing")).to_have_value("no such listing anywhere")
    page.get_by_label("Listing").fill("")
    _filter(page)
    expect(page.get_by_role("heading", name="My jobs")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_all_jobs_filters_with_every_field_left_empty_or_set_alone(
    page: Page, live_server, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, ADMIN)
    page.goto("/admin/jobs")
    _filter(page)
    assert "user=&style=&date_from=&date_to=" in page.url
    expect(page.get_by_role("heading", name="All jobs")).to_be_visible()

    page.get_by_label("User").select_option(label="Demo Agent (agent@stagewright.local)")
    _filter(page)
    expect(page.get_by_role("heading", name="All jobs")).to_be_visible()
    agent = (
        page.get_by_label("User").locator("option", has_text="Demo Agent").get_attribute("value")
    )
    assert agent is not None
    expect(page.get_by_label("User")).to_have_value(agent)

    page.get_by_label("User").select_option("")
    page.get_by_label("From").fill("2026-01-01")
    _filter(page)
    expect(page.get_by_role("heading", name="All jobs")).to_be_visible()
    expect(page.get_by_label("From")).to_have_value("2026-01-01")
    expect(page.get_by_label("To")).to_have_value("")


def test_styles_filter_with_nothing_set(page: Page, live_server):
    sign_in(page, ADMIN)
    page.goto("/admin/styles")
    _filter(page)
    expect(page.get_by_role("heading", name="Styles", exact=True)).to_be_visible()
    expect(page.locator("tbody tr").first).to_be_visible()
