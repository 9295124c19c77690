"""Webhooks in Chromium, on a laptop and a phone: register an endpoint against a real receiver,
copy the secret shown once, see a signed delivery in the log, and send it again."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from core.db import make_engine, transaction
from core.settings import Settings
from core.storage import make_storage
from jobs.service import cancel_job
from tests.factories import stored_job
from tests.support.browser import ADMIN, axe_violations, screenshot, sign_in
from tests.support.webhooks import receiving
from webhooks.dispatcher import Dispatcher

VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def dispatch_all(live_server) -> None:
    """One in-process dispatcher round on the live server's database."""
    settings = Settings(
        _env_file=None,
        database_url=live_server.db_url,
        local_storage_dir=live_server.storage_dir,
        webhook_allow_private=True,
    )
    engine = make_engine(live_server.db_url)
    try:
        Dispatcher(settings, engine, threading.Event()).run_once()
    finally:
        engine.dispose()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["laptop", "phone"])
def test_register_see_the_log_and_send_again(page: Page, live_server, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, ADMIN)
    with receiving() as receiver:
        page.goto("/admin/webhooks")
        expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
        page.get_by_role("button", name="Add endpoint").click()  # the empty form, as it is
        expect(page.locator("#url-error")).to_contain_text("must start with https://")
        assert not axe_violations(page)

        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill(f"CRM {viewport['width']}")
        page.get_by_role("checkbox", name="job.cancelled").check()
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.locator("[data-secret]")
        expect(secret).to_contain_text("whsec_")
        receiver.secret = secret.inner_text().strip()
        expect(page.get_by_text("Nothing has been sent to this endpoint yet.")).to_be_visible()
        assert not axe_violations(page)

        with transaction(live_server.sessions) as session:
            admin = session.query(User).filter_by(role=Role.ADMIN).first()
            assert admin is not None
            settings = Settings(_env_file=None, local_storage_dir=live_server.storage_dir)
            job_id = stored_job(session, make_storage(settings), user=admin).id
            cancel_job(session, user=admin, job_id=job_id)
        dispatch_all(live_server)
        assert [r.verified for r in receiver.received] == [True]

        page.get_by_role("link", name="All webhooks").click()
        page.get_by_role("link", name=receiver.url).click()
        expect(page.get_by_text("Its signing secret is shown only now")).to_have_count(0)
        row = page.locator("tr[data-delivery-id]").first
        expect(row).to_have_attribute("data-state", "delivered")
        expect(row.locator("[data-answer]")).to_contain_text("HTTP 204")
        expect(row.locator("[data-attempts]")).to_have_text("1")
        expect(row).to_contain_text(f"job.cancelled #{job_id}")
        row.get_by_role("button", name="Send again").click()
        expect(page.locator(".alert-success")).to_contain_text("will be sent again")
        expect(page.locator("tr[data-delivery-id]").first).to_have_attribute(
            "data-state", "pending"
        )

        dispatch_all(live_server)
        page.reload()
        row = page.locator("tr[data-delivery-id]").first
        expect(row).to_have_attribute("data-state", "delivered")
        expect(row.locator("[data-attempts]")).to_have_text("2")
        assert not axe_violations(page)
        screenshot(page, f"admin-webhook-{viewport['width']}", full_page=True)
    ids = receiver.ids()
    assert len(ids) == 2 and ids[0] == ids[1]
    assert all(r.verified for r in receiver.received)
