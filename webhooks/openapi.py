"""The OpenAPI document's `webhooks` section: one entry per Event, with its signed headers."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import FastAPI, Header

from jobs.events import Event, envelope_model

SIGNING = (
    "Sent as a POST with a JSON body and signed per Standard Webhooks "
    "(https://www.standardwebhooks.com): verify `webhook-signature` with the endpoint's secret, "
    "e.g. `standardwebhooks.Webhook(secret).verify(body, headers)`. `webhook-id` is the same on "
    "every attempt of a delivery: drop a message id you have already handled. Answer 2xx within "
    "`WEBHOOK_READ_TIMEOUT_S` (10 s by default); anything else is retried with exponential backoff "
    "for `WEBHOOK_GIVE_UP_S` (24 hours by default)."
)
HEADERS = {
    "webhook_id": ("webhook-id", "The message id, the same on every attempt (`msg_…`)"),
    "webhook_timestamp": ("webhook-timestamp", "When this attempt was signed (Unix seconds)"),
    "webhook_signature": ("webhook-signature", "`v1,` and the base64 HMAC-SHA256 signature"),
}


def _receiver(event: Event) -> Any:
    """A stand-in operation whose signature describes what the receiver gets."""

    def receive(**_: Any) -> None:
        """Documentation only: FastAPI reads the signature."""

    parameters = [
        inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=envelope_model(event)),
        *(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[str, Header(alias=alias, description=description)],
            )
            for name, (alias, description) in HEADERS.items()
        ),
    ]
    receive.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return receive


def document_webhooks(app: FastAPI) -> None:
    """Describe every event in app.webhooks (the OpenAPI document's `webhooks`)."""
    for event in Event:
        app.webhooks.add_api_route(
            event.value,
            _receiver(event),
            methods=["POST"],
            summary=event.summary,
            description=SIGNING,
            operation_id=f"webhook_{event.name.lower()}",
            tags=["webhooks"],
            status_code=200,
        )
