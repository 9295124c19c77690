"""New staging pre-selects the room type the real preview worker guessed from the photo, unless
the agent chose one, and only where the chosen style offers it (otherwise it says which styles
do, and the row stays as it was: never red by itself); a photo it cannot tell changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from jobs.room_guesses import GuessState, RoomGuess
from tests.browser.test_sales_floor import add_photo, jpeg
from tests.factories import patio_photo
from tests.support.browser import AGENT, axe_violations, screenshot, sign_in
from tests.support.processes import wait_for

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def patio_jpeg() -> bytes:
    buffer = io.BytesIO()
    patio_photo(600, 400).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def answered_guesses(live_server) -> list[RoomGuess]:
    with live_server.sessions() as session:
        query = select(RoomGuess).where(RoomGuess.state == GuessState.ANSWERED)
        return list(session.scalars(query.order_by(RoomGuess.id)))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_the_guessed_room_type_is_suggested_and_can_be_changed(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, AGENT)
    page.goto("/")
    page.locator("label[for='style-coastal']").click()  # Coastal offers patios
    before = len(answered_guesses(live_server))
    add_photo(page, "garden.jpg", patio_jpeg())
    room = page.locator(".photo-item").get_by_label("Room type")
    suggestion = page.locator(".photo-item .room-suggestion")
    expect(suggestion).to_have_text("Suggested from the photo: Patio")
    expect(room).to_have_value("patio")
    guesses = answered_guesses(live_server)
    assert len(guesses) == before + 1 and guesses[-1].room_type == "patio"
    assert not axe_violations(page)
    page.locator(".photo-item").scroll_into_view_if_needed()
    screenshot(page, f"room-suggestion-{viewport['width']}")

    room.select_option("living_room")  # the agent's choice wins, and the note goes
    expect(room).to_have_value("living_room")
    expect(suggestion).to_be_hidden()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_a_guess_the_style_does_not_offer_is_only_a_note(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, AGENT)
    page.goto("/")
    expect(page.locator("#style-modern")).to_be_checked()  # Modern offers no patio
    add_photo(page, "garden.jpg", patio_jpeg())
    row = page.locator(".photo-item")
    room = row.get_by_label("Room type")
    default = room.input_value()
    suggestion = row.locator(".room-suggestion")
    expect(suggestion).to_have_text(
        "This looks like a patio. Modern is not offered for patios; "
        "Coastal, Bohemian and Quick neutral are."
    )
    expect(room).to_have_value(default)
    expect(row).not_to_have_class(re.compile("has-error"))
    expect(row.locator(".photo-error")).to_be_hidden()
    screenshot(page, f"room-suggestion-note-{viewport['width']}")

    page.locator("label[for='style-bohemian']").click()  # a style that offers it: pre-selected
    expect(room).to_have_value("patio")
    expect(suggestion).to_have_text("Suggested from the photo: Patio")
    page.locator("label[for='style-modern']").click()  # and back: the default again, no error
    expect(room).to_have_value(default)
    expect(row).not_to_have_class(re.compile("has-error"))
    row.get_by_label("What to do").select_option("declutter")  # a removal needs no style fit
    expect(room).to_have_value("patio")
    expect(row).not_to_have_class(re.compile("has-error"))


def test_a_choice_made_before_the_answer_is_kept(page: Page, live_server):
    sign_in(page, AGENT)
    page.goto("/")
    before = len(answered_guesses(live_server))
    add_photo(page, "garden.jpg", patio_jpeg())
    room = page.locator(".photo-item").get_by_label("Room type")
    room.select_option("kitchen")
    wait_for(lambda: len(answered_guesses(live_server)) > before, 10, "the worker's answer")
    page.wait_for_timeout(1000)  # longer than the page's poll interval
    expect(room).to_have_value("kitchen")
    expect(page.locator(".photo-item .room-suggestion")).to_be_hidden()


def test_a_room_the_preview_cannot_tell_keeps_the_default(page: Page, live_server):
    sign_in(page, AGENT)
    page.goto("/")
    before = len(answered_guesses(live_server))
    add_photo(page, "living-room.jpg", jpeg())
    room = page.locator(".photo-item").get_by_label("Room type")
    default = room.input_value()
    wait_for(lambda: len(answered_guesses(live_server)) > before, 10, "the worker's answer")
    assert answered_guesses(live_server)[-1].room_type is None
    page.wait_for_timeout(1000)
    expect(room).to_have_value(default)
    expect(page.locator(".photo-item .room-suggestion")).to_be_hidden()
