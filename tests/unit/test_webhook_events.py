"""The webhook event schema's one owner: the OpenAPI document's `webhooks` section is generated
from it, and a delivery's body verifies with the library receivers use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from api.app import create_app
from core.settings import Settings
from jobs.events import Event, envelope
from webhooks.deliveries import Claimed
from webhooks.dispatcher import signed_headers
from webhooks.endpoints import new_secret


def test_the_openapi_document_describes_every_event_with_its_signed_headers(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    document = create_app(settings).openapi()
    assert sorted(document["webhooks"]) == sorted(event.value for event in Event)
    schemas = document["components"]["schemas"]
    for event in Event:
        operation = document["webhooks"][event.value]["post"]
        assert operation["summary"] == event.summary
        assert "Standard Webhooks" in operation["description"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schemas[ref.rsplit("/", 1)[1]]
        assert body["properties"]["type"]["const"] == event.value
        assert set(body["required"]) == {"type", "timestamp", "data"}
    assert {"id", "state", "results", "api_path"} <= set(schemas["JobData"]["required"])
    assert "token" not in schemas["ShareData"]["properties"]


def test_a_delivery_verifies_with_the_standard_webhooks_library():
    secret = new_secret()
    occurred = datetime(2026, 12, 7, 23, 58, tzinfo=UTC)
    delivery = Claimed(
        1,
        1,
        "msg_0123",
        "https://example.com/",
        secret,
        Event.JOB_FAILED,
        occurred,
        {"id": 7, "state": "failed"},
    )
    body = envelope(delivery.event, delivery.occurred_at, delivery.payload)
    assert body == envelope(delivery.event, delivery.occurred_at, dict(delivery.payload)), (
        "the same bytes on every attempt"
    )
    headers = signed_headers(delivery, body, datetime.now(UTC))
    assert headers["webhook-id"] == "msg_0123"
    assert Webhook(secret).verify(body, headers) == {
        "type": "job.failed",
        "timestamp": "2026-12-07T23:58:00+00:00",
        "data": {"id": 7, "state": "failed"},
    }
    tampered = body.replace(b"failed", b"completed", 1)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(tampered, headers)
