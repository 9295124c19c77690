"""The share page in Chromium, as the person who gets the link sees it: anonymous, on a laptop
and on a 390x844 phone over the 4G profile; the agent makes the link and revokes it.

Phone targets: a listing of four 24 MP photos opens in <= 2 s with <= 1 MB on the wire (run with
-s for the figures; recorded in docs/ui.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from accounts.models import User
from bench.photos import camera_photo
from catalog.models import Style
from core.storage import LocalStorage, job_input_key, job_result_key
from tests.factories import make_job
from tests.support.browser import (
    AGENT,
    PHONE,
    PHONE_4G,
    LiveServer,
    RequestLog,
    axe_violations,
    screenshot,
    sign_in,
)

PAGE_MAX_BYTES = 1024 * 1024
PAGE_MAX_LOAD_S = 2.0


@pytest.fixture(scope="module")
def big_photo() -> bytes:
    return camera_photo(6000, 4000, grain=3.0, texture=12.0)


def _listing(live_server: LiveServer, photo: bytes, listing: str, rooms: list[str]) -> list[int]:
    """Completed jobs of the demo agent on 24 MP photos, stored as the worker stores them."""
    storage = LocalStorage(live_server.storage_dir, "only-writes")
    ids = []
    with live_server.sessions.begin() as session:
        user = session.scalars(select(User).where(User.email == AGENT[0])).one()
        style = session.scalars(select(Style).where(Style.slug == "modern")).one()
        for room in rooms:
            job = make_job(
                session,
                user=user,
                style=style,
                state="completed",
                room_type=room,
                listing=listing,
                input_width=6000,
                input_height=4000,
                generator="preview",
            )
            job.input_key = job_input_key(job.id)
            job.result_keys = [job_result_key(job.id, 1, 1)]
            job.result_seeds = [1]
            for key in (job.input_key, *job.result_keys):
                storage.put(key, photo, "image/jpeg")
            ids.append(job.id)
    return ids


def _share_from_the_job_page(page: Page, job_id: int, *, listing: bool) -> str:
    """The agent's way: the job page's Share card, then the link shown once."""
    page.goto(f"/jobs/{job_id}")
    card = page.get_by_role("region", name="Share")
    if listing:
        card.get_by_label(re.compile("The whole listing")).check()
    card.get_by_label("Link works for").select_option("7")
    card.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("heading", name="Share link created")).to_be_visible()
    return page.get_by_label(re.compile("Copy this link now")).input_value()


@pytest.fixture
def agent_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, AGENT)
    yield page
    context.close()


def _anonymous(browser: Browser, live_server: LiveServer, **options) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(30_000)
    return context


def test_open_slide_and_revoke_on_a_laptop(
    browser: Browser, live_server: LiveServer, agent_page: Page, big_photo: bytes
):
    (job_id,) = _listing(live_server, big_photo, "21 Laptop Lane", ["living_room"])
    url = _share_from_the_job_page(agent_page, job_id, listing=False)
    assert url.startswith(live_server.url + "/s/")

    context = _anonymous(browser, live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requests = RequestLog()
    page.on("requestfinished", requests.record)
    page.goto(url, wait_until="networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Living room")
    expect(page.get_by_text(re.compile("^Virtually staged: furniture"))).to_be_visible()
    expect(page.get_by_text("Presented by")).to_be_visible()
    for image in page.locator("#compare-1 img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    paths = {re.sub(r"^https?://[^/]+", "", u).split("?")[0] for u in requests.urls()}
    assert all(p.startswith((url.removeprefix(live_server.url), "/static/")) for p in paths), paths
    assert context.cookies() == []

    compare = page.locator("#compare-1")
    box = compare.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    expect(page.locator("#compare-range-1")).to_have_value("20")
    assert compare.evaluate("el => el.style.getPropertyValue('--pos')") == "20%"
    page.locator("#compare-range-1").focus()
    page.keyboard.press("End")
    expect(page.locator("#compare-range-1")).to_have_value("100")
    assert axe_violations(page) == []
    screenshot(page, "share-laptop", full_page=True)

    agent_page.goto("/shares")
    # Other browser tests share links as the same agent: this job's row, by its number.
    row = agent_page.get_by_role("row", name=re.compile(rf"Living room \(job #{job_id}\)"))
    expect(row).to_contain_text("active")
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(agent_page.get_by_text("Link revoked")).to_be_visible()

    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert axe_violations(page) == []
    context.close()


def test_a_listing_on_a_phone_over_4g(
    browser: Browser, live_server: LiveServer, agent_page: Page, big_photo: bytes
):
    rooms = ["living_room", "kitchen", "bedroom", "bathroom"]
    ids = _listing(live_server, big_photo, "5 Phone Street", rooms)
    url = _share_from_the_job_page(agent_page, ids[0], listing=True)
    context = _anonymous(browser, live_server, viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.goto(url, wait_until="networkidle")  # the first view makes the renditions and keeps them
    requests = RequestLog()
    page.on("requestfinished", requests.record)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", PHONE_4G)
    page.goto(url, wait_until="networkidle")
    load_s = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventStart / 1000")
    transferred = requests.transferred_bytes()
    print(
        f"\nshare page, listing of {len(rooms)} x 24 MP on the phone over 4G: "
        f"{transferred / 1e6:.2f} MB ({len(requests.urls())} requests), load {load_s:.2f} s"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("5 Phone Street")
    expect(page.locator("section.share-photo")).to_have_count(len(rooms))
    assert transferred <= PAGE_MAX_BYTES, transferred
    assert load_s <= PAGE_MAX_LOAD_S, load_s
    assert not any(u.endswith(("/before.jpg", "/after.jpg")) for u in requests.urls())

    compare = page.locator("#compare-1")
    box = compare.bounding_box()
    assert box is not None
    compare.tap(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
    expect(page.locator("#compare-range-1")).to_have_value("75")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe_violations(page) == []
    screenshot(page, "share-phone", full_page=True)
    context.close()
