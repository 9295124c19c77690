"""An agent edits one part of a finished result in Chromium, on a laptop and on a phone-sized
screen (pointer events: the mouse here, a finger alike): paints, undoes, paints again, removes or
redoes, and lands on the edit's job, which finishes with its versions and the edit's disclosure;
the editor passes axe-core. Add: a merchandiser lists a piece in the admin console, and an agent
adds it where they paint."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from core import disclosure
from tests.browser.test_sales_floor import add_photo, jpeg
from tests.support.browser import AGENT, MERCHANDISER, axe_violations, sign_in

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def staged_job(page: Page) -> str:
    page.goto("/")
    add_photo(page, "lounge.jpg", jpeg())
    page.locator(".photo-item").get_by_label("Room type").select_option("living_room")
    page.get_by_role("button", name="Stage photos").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)
    return page.url


def stroke(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A drag across the canvas, from and to fractions of its box."""
    box = page.locator("[data-brush-canvas]").bounding_box()
    assert box is not None
    points = [
        (box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in (start, end)
    ]
    page.mouse.move(*points[0])
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(points[0][0] + (points[1][0] - points[0][0]) * step / 8,
                        points[0][1] + (points[1][1] - points[0][1]) * step / 8)  # fmt: skip
    page.mouse.up()


def painted_share(page: Page) -> float:
    return page.evaluate(
        """() => { const c = document.querySelector('[data-brush-canvas]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 127) n++;
        return n / (c.width * c.height); }"""
    )


@pytest.mark.parametrize(("viewport", "action"), [(LAPTOP, "Remove"), (PHONE, "Redo")])
def test_paint_a_part_and_edit_it(page: Page, live_server, viewport, action):
    page.set_viewport_size(viewport)
    sign_in(page, AGENT)
    parent = staged_job(page)
    page.get_by_role("link", name="Edit part of variant 1").click()
    expect(page.get_by_role("heading", name="Edit part of variant 1")).to_be_visible()
    assert axe_violations(page) == []

    submit = page.get_by_role("button", name=f"{action} what I painted")
    submit.click()  # nothing painted yet: refused in the page, nothing sent
    expect(page.get_by_role("alert")).to_have_text("Paint over the part to change first.")
    assert "/edit" in page.url

    stroke(page, (0.3, 0.75), (0.6, 0.8))
    first = painted_share(page)
    assert 0 < first < 0.2
    stroke(page, (0.1, 0.45), (0.2, 0.5))
    assert painted_share(page) > first
    page.get_by_role("button", name="Undo").click()
    assert painted_share(page) == pytest.approx(first)
    page.get_by_label("Brush size").fill("12")
    stroke(page, (0.4, 0.7), (0.5, 0.9))
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    submit.click()
    page.wait_for_url(lambda url: re.search(r"/jobs/\d+$", url) is not None and url != parent)
    done = "Removing" if action == "Remove" else "Generating again"
    expect(page.locator(".alert-success")).to_contain_text(f"{done} the part you painted")
    assert axe_violations(page) == []  # the flash message too
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)
    expect(page.locator("#parent-link")).to_contain_text("An edit of variant 1 of job")
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    expect(page.locator("#mls-caption")).to_have_value(disclosure.DEFAULTS["edited"].caption)
    page.get_by_role("button", name="The original photo").click()
    before = page.locator("#compare > img")
    expect(before).to_have_attribute("src", re.compile(r"/web/input\.jpg$"))


def test_a_merchandiser_lists_a_piece_and_an_agent_adds_it(page: Page, live_server):
    page.set_viewport_size(LAPTOP)
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles")
    page.get_by_role("link", name="Edit items").click()
    expect(page.get_by_role("heading", name="Edit items", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Armchair", exact=True)).to_be_visible()  # seeded
    page.get_by_role("button", name="Add item").click()  # the empty form, as it is
    expect(page.locator("#name-error")).to_have_text("Name is required.")
    expect(page.locator("#room_types-error")).to_have_text("Choose at least one room type.")
    assert not axe_violations(page)
    page.get_by_label("Name").fill("Velvet pouf")
    page.get_by_label("Living room").check()
    page.get_by_label("Prompt fragment").fill("a round green velvet pouf")
    page.get_by_role("button", name="Add item").click()
    expect(page.locator(".alert-success")).to_contain_text("Added “Velvet pouf”.")
    page.get_by_label("Room type").select_option("kitchen")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="Bar stools", exact=True)).to_be_visible()
    expect(page.get_by_text("Velvet pouf")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, AGENT)
    parent = staged_job(page)
    page.get_by_role("link", name="Edit part of variant 1").click()
    expect(page.get_by_label("Piece to add")).to_be_visible()
    page.get_by_label("Piece to add").select_option(label="Velvet pouf")
    assert axe_violations(page) == []
    stroke(page, (0.35, 0.75), (0.55, 0.85))
    page.get_by_role("button", name="Add it where I painted").click()
    page.wait_for_url(lambda url: re.search(r"/jobs/\d+$", url) is not None and url != parent)
    expect(page.locator(".alert-success")).to_contain_text("Adding the piece you chose")
    expect(page.locator("#compare")).to_be_visible(timeout=60_000)
    expect(page.locator("#parent-link")).to_contain_text("“Velvet pouf” was added")
    expect(page.locator("#mls-caption")).to_have_value(disclosure.DEFAULTS["edited"].caption)


def test_the_items_console_fits_a_phone(page: Page, live_server):
    """The admin menu's longer row scrolls sideways inside the header; Sign out stays on screen."""
    page.set_viewport_size(PHONE)
    sign_in(page, MERCHANDISER)
    page.goto("/admin/items")
    expect(page.get_by_role("heading", name="Edit items", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)
    link = page.get_by_role("link", name="Edit items")
    expect(link).to_have_attribute("aria-current", "page")
    link.scroll_into_view_if_needed()
    expect(link).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)
    assert axe_violations(page) == []
