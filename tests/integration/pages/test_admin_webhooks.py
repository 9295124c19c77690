"""The webhooks pages through their real forms: register (the secret shown once), refusals as
clear 4xx with nothing saved, change, send again, and who may use them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import Role
from core.db import transaction
from jobs.events import Event
from jobs.outbox import OutboxEvent
from tests.support.forms import post_form
from webhooks.deliveries import fan_out
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint

URL = "https://93.184.215.14/hooks"
FIELDS = {"url": URL, "description": "Brokerage CRM", "events": ["job.completed"], "active": "yes"}


def _endpoints(session_factory) -> list[WebhookEndpoint]:
    with session_factory() as session:
        return list(session.scalars(select(WebhookEndpoint)))


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(make_web_user, session_factory):
    _, client = make_web_user(Role.ADMIN)
    response = post_form(client, "/admin/webhooks", FIELDS)
    assert response.status_code == 200, response.text
    (endpoint,) = _endpoints(session_factory)
    assert (endpoint.url, endpoint.events, endpoint.active) == (URL, ["job.completed"], True)
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.text
    again = client.get(f"/admin/webhooks/{endpoint.id}")
    assert again.status_code == 200 and endpoint.secret not in again.text
    assert URL in client.get("/admin/webhooks").text


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({**FIELDS, "url": "http://127.0.0.1:9000/hooks"}, "private, loopback or link-local"),
        ({**FIELDS, "url": "http://169.254.169.254/"}, "private, loopback or link-local"),
        ({**FIELDS, "url": "http://10.0.0.7/"}, "private, loopback or link-local"),
        ({**FIELDS, "url": "http://[::1]/"}, "private, loopback or link-local"),
        ({**FIELDS, "url": "javascript:alert(1)"}, "must start with https://"),
        ({**FIELDS, "events": []}, "Choose at least one event"),
        ({**FIELDS, "events": ["job.exploded"]}, "Unknown event job.exploded"),
        ({**FIELDS, "description": "x" * 250}, "longer than 200"),
    ],
)
def test_refusals_are_422_with_the_reason_and_save_nothing(
    make_web_user, session_factory, fields, words
):
    _, client = make_web_user(Role.ADMIN)
    response = post_form(client, "/admin/webhooks", fields)
    assert response.status_code == 422
    assert words in response.text
    assert _endpoints(session_factory) == []


def test_change_an_endpoint_and_send_a_delivery_again(make_web_user, session_factory):
    _, client = make_web_user(Role.ADMIN)
    post_form(client, "/admin/webhooks", FIELDS)
    (endpoint,) = _endpoints(session_factory)
    changed = {**FIELDS, "events": ["job.failed", "share.created"], "active": ""}
    response = post_form(client, f"/admin/webhooks/{endpoint.id}", changed)
    assert response.status_code == 303
    (endpoint,) = _endpoints(session_factory)
    assert (endpoint.events, endpoint.active) == (["job.failed", "share.created"], False)

    with transaction(session_factory) as session:
        session.get(WebhookEndpoint, endpoint.id).active = True
        session.add(OutboxEvent(event=Event.JOB_FAILED, subject_id=7, payload={"id": 7}))
    with transaction(session_factory) as session:
        fan_out(session, give_up_s=60)
    page = client.get(f"/admin/webhooks/{endpoint.id}")
    assert "job.failed" in page.text and 'data-state="pending"' in page.text
    with transaction(session_factory) as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        delivery.state = DeliveryState.FAILED
    url = f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/send-again"
    response = post_form(client, url, {})
    assert response.status_code == 303
    assert "will be sent again" in client.get(response.headers["location"]).text
    with session_factory() as session:
        assert session.get(WebhookDelivery, delivery.id).state is DeliveryState.PENDING
    missing = post_form(client, f"/admin/webhooks/{endpoint.id}/deliveries/999/send-again", {})
    assert "There is no delivery #999" in client.get(missing.headers["location"]).text
    assert client.get("/admin/webhooks/999").status_code == 404


def test_only_admins_may_use_the_pages_and_forms_need_their_token(make_web_user):
    _, merchandiser = make_web_user(Role.MERCHANDISER)
    assert merchandiser.get("/admin/webhooks").status_code == 403
    assert post_form(merchandiser, "/admin/webhooks", FIELDS).status_code == 403
    _, admin = make_web_user(Role.ADMIN)
    forged = admin.post("/admin/webhooks", data={**FIELDS, "csrf_token": "forged"})
    assert forged.status_code == 403
