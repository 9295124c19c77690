"""Every page, on a laptop and on an upright tablet: no serious axe-core violations, no sideways
scrolling of the page, touch-sized controls on the tablet; a screenshot of each for a human."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from accounts.models import User
from catalog.models import Style
from catalog.sample_photo import SAMPLE_SIZE, sample_room_jpeg
from core.db import utcnow
from core.storage import LocalStorage
from jobs.models import Job, JobState
from tests.factories import make_job
from tests.support.browser import (
    ADMIN,
    LiveServer,
    axe_violations,
    save_docs_screenshot,
    screenshot,
    sign_in,
)

VIEWPORTS = {"laptop": (1280, 800), "tablet": (820, 1180)}
MIN_TOUCH_PX = 44
JOB_TIMEOUT_S = 60.0


def _admin_job(live_server: LiveServer, **fields) -> int:
    """A living-room job of the admin's on the sample photo, in the seed catalog's first style."""
    with live_server.sessions.begin() as session:
        admin = session.scalars(select(User).where(User.email == ADMIN[0])).one()
        style = session.scalars(select(Style).order_by(Style.sort_order, Style.id)).first()
        assert style is not None, "the seed catalog has styles"
        width, height = SAMPLE_SIZE
        job = make_job(
            session, user=admin, style=style, input_width=width, input_height=height, **fields
        )
        storage = LocalStorage(live_server.storage_dir, "only-writes")
        storage.put(job.input_key, sample_room_jpeg(), "image/jpeg")
        return job.id


@pytest.fixture(scope="module")
def jobs(live_server: LiveServer) -> dict[str, int]:
    """A job the worker has completed and one that stays pending (it may run tomorrow)."""
    pending = _admin_job(live_server, listing="4 Quay Road", run_after=utcnow() + timedelta(days=1))
    done = _admin_job(live_server, listing="9 Harbour Street", variants=2)
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        with live_server.sessions() as session:
            state = session.get_one(Job, done).state
        if state.is_final:
            break
        time.sleep(0.2)
    assert state is JobState.COMPLETED
    return {"pending": pending, "completed": done}


def _pages(jobs: dict[str, int]) -> dict[str, str]:
    return {
        "new-staging": "/",
        "job-pending": f"/jobs/{jobs['pending']}",
        "job-completed": f"/jobs/{jobs['completed']}",
        "my-jobs": "/jobs",
        "admin-styles": "/admin/styles",
        "style-new": "/admin/styles/new",
        "style-edit": "/admin/styles/1",
        "admin-jobs": "/admin/jobs",
        "admin-job-detail": f"/admin/jobs/{jobs['completed']}",
        "admin-skies": "/admin/skies",
        "admin-items": "/admin/items",
        "item-edit": "/admin/items/1",
        "admin-users": "/admin/users",
        "fleet": "/admin/fleet",
        "admin-brokerage": "/admin/brokerage",
        "admin-webhooks": "/admin/webhooks",
        "shared-links": "/shares",
        "not-found": "/jobs/999999",
    }


TOUCH_TARGETS = (
    "main button, main .btn, main select, main input:not([type=hidden]), main textarea,"
    " main .gallery a, .site-header a, .site-header button"
)
SMALL_TARGETS_JS = """([selector, min]) => [...document.querySelectorAll(selector)]
    .map(el => ['checkbox', 'radio'].includes(el.type) && el.closest('label') || el)
    .filter(el => el.getBoundingClientRect().width > 1 && getComputedStyle(el).opacity !== '0')
    .filter(el => el.getBoundingClientRect().height < min)
    .map(el => el.outerHTML.slice(0, 80) + ' ' + Math.round(el.getBoundingClientRect().height))"""


def _layout_problems(page: Page, *, tablet: bool) -> list[str]:
    """Sideways page scroll anywhere; on a tablet also visible controls under 44 px tall."""
    problems = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"{page.url}: the page scrolls sideways by {overflow}px")
    if tablet:
        small = page.evaluate(SMALL_TARGETS_JS, [TOUCH_TARGETS, MIN_TOUCH_PX])
        problems += [f"{page.url}: touch target under {MIN_TOUCH_PX}px: {el}" for el in small]
    return problems


def _slide_by_touch(page: Page) -> None:
    """A tap a quarter of the way across the picture moves the split there."""
    compare = page.locator("#compare")
    box = compare.bounding_box()
    assert box is not None
    compare.tap(position={"x": box["width"] / 4, "y": box["height"] / 2})
    expect(page.locator("#compare-range")).to_have_value("25")
    save_docs_screenshot(page, "tablet")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_is_accessible_and_fits(
    browser: Browser, live_server: LiveServer, jobs: dict[str, int], viewport: str
):
    width, height = VIEWPORTS[viewport]
    tablet = viewport == "tablet"
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, has_touch=tablet
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto("/sign-in")
        problems += axe_violations(page) + _layout_problems(page, tablet=tablet)
        screenshot(page, f"{viewport}-sign-in", full_page=True)
        sign_in(page, ADMIN)
        for name, path in _pages(jobs).items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if name == "job-completed":
                expect(page.locator("#compare img").first).to_be_visible()
                if tablet:
                    _slide_by_touch(page)
            problems += axe_violations(page) + _layout_problems(page, tablet=tablet)
            screenshot(page, f"{viewport}-{name}", full_page=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
