"""Admin console: confirmed destructive actions, sentence errors, drag-and-drop and keyboard
reordering saved at once, and a style's reference image on the agents' style card."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from catalog.models import Style
from catalog.sample_photo import sample_room_jpeg
from core.storage import LocalStorage, style_reference_key
from tests.factories import make_style, make_user
from tests.support.browser import ADMIN, AGENT, MERCHANDISER, axe_violations, sign_in

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def _names(page: Page) -> list[str]:
    return page.locator("tbody tr[data-style-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.name)"
    )


def _saved_order(live_server) -> list[str]:
    with live_server.sessions() as session:
        return list(
            session.scalars(
                select(Style.name).where(~Style.is_archived).order_by(Style.sort_order, Style.name)
            )
        )


def test_drag_the_last_style_to_the_top_then_back_with_the_keyboard(page: Page, live_server):
    page.set_viewport_size({"width": 1280, "height": 1600})  # no scrolling in mid-drag
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles")
    before = _names(page)
    assert before == _saved_order(live_server)
    last, first = page.locator("tbody tr[data-style-id]").last, page.locator("tbody tr").first
    last.locator(".drag-handle").drag_to(first, target_position={"x": 10, "y": 2})
    expect(page.locator("#order-status")).to_contain_text("is now number 1 of")
    expect(page.locator("#order-status")).to_contain_text("Saved.")
    assert _saved_order(live_server) == [before[-1], *before[:-1]]
    page.reload()
    assert _names(page) == [before[-1], *before[:-1]]

    handle = page.get_by_role("button", name=f"Reorder {before[-1]}: drag")
    handle.focus()
    page.keyboard.press("End")
    expect(page.locator("#order-status")).to_contain_text(f"{before[-1]} is now number")
    expect(page.locator("#order-status")).to_contain_text("Saved.")
    expect(handle).to_be_focused()
    assert _saved_order(live_server) == before
    assert not axe_violations(page)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_deleting_a_style_asks_first(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    name = f"Doomed {viewport['width']}"
    with live_server.sessions.begin() as session:
        make_style(session, name=name, sort_order=10_000)
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles")
    page.get_by_role("button", name=f"Delete {name}").click()
    expect(page.get_by_role("heading", name=f"Delete “{name}”?")).to_be_visible()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    page.get_by_role("link", name="Keep it as it is").click()
    expect(page.get_by_role("link", name=name)).to_be_visible()
    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_role("button", name="Delete it for good").click()
    expect(page.locator(".alert-success")).to_contain_text(f"“{name}” was deleted.")
    expect(page.get_by_role("link", name=name)).to_have_count(0)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_deactivating_a_user_asks_first(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    email = f"leaving-{viewport['width']}@example.com"
    with live_server.sessions.begin() as session:
        make_user(session, email=email)
    sign_in(page, ADMIN)
    page.goto("/admin/users")
    page.get_by_role("button", name=f"Deactivate {email}").click()
    expect(page.get_by_role("heading", name=f"Deactivate {email}?")).to_be_visible()
    page.get_by_role("link", name="Keep it as it is").click()
    expect(page.get_by_role("button", name=f"Deactivate {email}")).to_be_visible()
    page.get_by_role("button", name=f"Deactivate {email}").click()
    page.get_by_role("button", name="Deactivate", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"{email} was deactivated.")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_deactivating_a_style_asks_first(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    name = f"Patio only {viewport['width']}"
    with live_server.sessions.begin() as session:
        make_style(session, name=name, room_types=["patio"], is_active=True)
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles")
    page.get_by_role("button", name=f"Deactivate {name}").click()
    expect(page.get_by_role("heading", name=f"Deactivate “{name}”?")).to_be_visible()
    expect(page.locator(".alert-warning")).to_have_count(0)  # other active styles offer patios
    assert not axe_violations(page)
    page.get_by_role("link", name="Keep it as it is").click()
    row = page.get_by_role("row", name=name)
    expect(row).to_contain_text("active")
    row.get_by_role("button", name=f"Deactivate {name}").click()
    page.get_by_role("button", name="Deactivate", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"“{name}” is now inactive.")
    expect(page.get_by_role("button", name=f"Activate {name}")).to_be_visible()


def test_style_form_errors_read_as_sentences(page: Page, live_server):
    sign_in(page, MERCHANDISER)
    page.goto("/admin/styles/new")
    page.get_by_label("Name", exact=True).fill("Bad Input")
    page.get_by_label("Slug").fill("Bad Slug!")
    page.get_by_label("Palette").fill("#12345, red")
    page.get_by_label("Prompt", exact=True).fill("short")
    page.get_by_role("button", name="Create style").click()
    expect(page.locator("#palette-error")).to_have_text(
        "Each colour must be a # and six hex digits, like #1f3a5f."
    )
    expect(page.locator("#slug-error")).to_contain_text("lowercase letters, digits and single")
    expect(page.locator("#prompt-error")).to_have_text("Prompt needs at least 10 characters.")
    expect(page.locator("#room_types-error")).to_have_text("Choose at least one room type.")
    expect(page.get_by_text("String should")).to_have_count(0)


def test_a_reference_image_shows_on_the_agents_style_card(page: Page, live_server):
    storage = LocalStorage(live_server.storage_dir, "unused")
    with live_server.sessions.begin() as session:
        style = make_style(session, name="Referenced", slug="referenced", sort_order=10_001)
        key = style_reference_key(style.id, 1)
        storage.put(key, sample_room_jpeg(), "image/jpeg")
        style.reference_image_keys = [key]
    sign_in(page, AGENT)
    page.goto("/")
    image = page.locator("label[for='style-referenced'] img.style-preview")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_a_fast_tier_style_warns_that_its_negative_prompt_is_ignored(
    page: Page, live_server, viewport
):
    page.set_viewport_size(viewport)
    name = f"Quick {viewport['width']}"
    with live_server.sessions.begin() as session:
        style = make_style(session, name=name, params={"fast_tier": True}, sort_order=10_002)
    sign_in(page, MERCHANDISER)
    page.goto(f"/admin/styles/{style.id}")
    warning = page.locator("#negative_prompt-warning")
    expect(warning).to_contain_text("The fast tier runs at guidance 0")
    expect(page.get_by_label("Negative prompt")).to_have_attribute(
        "aria-describedby", "negative_prompt-warning"
    )
    assert not axe_violations(page)
    page.get_by_label("Fast tier (fewer steps, quicker results)").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Saved “{name}”.")
    expect(warning).to_have_count(0)
