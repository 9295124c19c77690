"""A merchandiser in a real Chromium creates and tries a style; an agent then sees and uses it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_sales_floor import add_photo, assert_light_and_local, jpeg
from tests.support.browser import (
    ADMIN,
    AGENT,
    MERCHANDISER,
    RequestLog,
    axe_violations,
    save_docs_screenshot,
    screenshot,
    sign_in,
)

STYLE_NAME = "Harbour Loft <b>"


def test_merchandiser_creates_a_style_an_agent_then_uses(page: Page, browser: Browser, live_server):
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles/new")
    page.get_by_label("Name", exact=True).fill(STYLE_NAME)
    page.get_by_label("Slug").fill("harbour-loft")
    page.get_by_label("Description (shown to agents)").fill("Weathered oak, navy and brass.")
    page.get_by_label("Palette").fill("not-a-colour")
    page.get_by_label("Prompt", exact=True).fill("a {room_type} in a harbour loft, photorealistic")
    page.get_by_label("Living room").check()
    page.get_by_role("button", name="Create style").click()
    expect(page.locator("#palette-error")).to_be_visible()
    expect(page.get_by_label("Palette")).to_have_attribute("aria-invalid", "true")
    assert not axe_violations(page)

    page.get_by_label("Palette").fill("#1f3a5f, #c8a165, #e9e4da")
    page.get_by_label("Living room").check()
    page.get_by_role("button", name="Create style").click()
    expect(page.locator(".alert-success")).to_contain_text("Saved")
    screenshot(page, "style-saved", full_page=True)

    page.get_by_role("button", name="Try this style").click()
    page.wait_for_url(re.compile(r"/admin/jobs/\d+$"))
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Attempt history")).to_be_visible()
    screenshot(page, "try-result", full_page=True)

    page.goto("/admin/styles?q=harbour")
    styles = page.get_by_role("region", name="Styles in catalog order")
    expect(styles.locator("tbody tr")).to_have_count(1)
    expect(styles.locator("tbody")).to_contain_text(STYLE_NAME)  # shown as text, not markup

    agent = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768})
    agent_page = agent.new_page()
    try:
        sign_in(agent_page, AGENT)
        card = agent_page.locator(".style-card", has_text=STYLE_NAME)
        expect(card).to_be_visible()
        card.locator("label").click()
        add_photo(agent_page, "loft.jpg", jpeg())
        agent_page.get_by_role("button", name="Stage photos").click()
        agent_page.wait_for_url(re.compile(r"/jobs/\d+$"))
        expect(agent_page.locator("#compare")).to_be_visible(timeout=60_000)
        expect(agent_page.get_by_role("heading", level=1)).to_contain_text(STYLE_NAME)
        screenshot(agent_page, "agent-used-new-style")
    finally:
        agent.close()


def test_pages_are_light_and_local_on_first_load(page: Page, browser: Browser, live_server):
    sign_in(page, ADMIN)
    cookies = page.context.cookies()
    for path in ("/", "/jobs", "/admin/styles", "/admin/jobs", "/admin/users", "/sign-in"):
        context = browser.new_context(base_url=live_server.url)  # an empty cache each time
        context.add_cookies([{**cookie} for cookie in cookies])  # a Cookie as a SetCookieParam
        fresh = context.new_page()
        log = RequestLog()
        fresh.on("requestfinished", log.record)
        try:
            fresh.goto(path)
            fresh.wait_for_load_state("networkidle")
            assert_light_and_local(log, live_server.url)
            assert log.urls(), path
            screenshot(
                fresh, "page" + (path.replace("/", "-") if path != "/" else "-home"), full_page=True
            )
        finally:
            context.close()
    page.goto("/admin/styles")
    save_docs_screenshot(page, "admin")
