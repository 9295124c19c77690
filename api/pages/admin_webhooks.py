"""Webhook endpoints in the admin console: register one (its secret is shown once), change it,
read its delivery log and send a delivery again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.pages.common import AdminPageUser, CsrfChecked, PageError, PageRoute, redirect, render
from core.db import db_clock
from core.errors import Invalid, NotFound
from jobs.events import Event
from webhooks import endpoints as service
from webhooks.deliveries import send_again
from webhooks.models import MAX_URL_CHARS, WebhookEndpoint

router = APIRouter(prefix="/admin/webhooks", include_in_schema=False, route_class=PageRoute)

EVENTS = [{"value": event.value, "summary": event.summary} for event in Event]
Events = Annotated[list[str], Form(max_length=len(Event))]
Url = Annotated[str, Form(max_length=MAX_URL_CHARS + 100)]
Description = Annotated[str, Form(max_length=service.MAX_DESCRIPTION_CHARS + 100)]
Active = Annotated[str, Form(pattern="^(|yes)$")]


def _sentence(message: str) -> str:
    return f"{message[:1].upper()}{message[1:]}."


def _endpoint(session: SessionDep, endpoint_id: int) -> WebhookEndpoint:
    try:
        return service.get_endpoint(session, endpoint_id)
    except NotFound as exc:
        raise PageError(404, "Webhook not found", f"There is no webhook #{endpoint_id}.") from exc


def _list_page(
    request: Request,
    session: SessionDep,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    context = {
        "nav": "admin-webhooks",
        "endpoints": service.list_endpoints(session),
        "events": EVENTS,
        "form": form or {"url": "", "description": "", "events": [], "active": True},
        "errors": errors or {},
    }
    return render(request, "admin/webhooks.html", context, status=422 if errors else 200)


def _endpoint_page(
    request: Request,
    session: SessionDep,
    endpoint: WebhookEndpoint,
    *,
    secret: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    context = {
        "nav": "admin-webhooks",
        "endpoint": endpoint,
        "secret": secret,
        "log": service.delivery_log(session, endpoint.id),
        "now": db_clock(session),
        "events": EVENTS,
        "form": form
        or {
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.active,
        },
        "errors": errors or {},
    }
    return render(request, "admin/webhook.html", context, status=422 if errors else 200)


@router.get("")
def webhooks_page(request: Request, session: SessionDep, user: AdminPageUser) -> Response:
    return _list_page(request, session)


@router.post("", dependencies=[CsrfChecked])
def register(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminPageUser,
    url: Url = "",
    description: Description = "",
    events: Events = [],  # noqa: B006  # FastAPI copies a form default per request
    active: Active = "",
) -> Response:
    form = {"url": url, "description": description, "events": events, "active": active == "yes"}
    try:
        endpoint = service.register(
            session,
            user=user,
            url=url,
            events=events,
            description=description,
            active=active == "yes",
            allow_private=settings.webhook_allow_private,
        )
    except Invalid as exc:
        return _list_page(request, session, form, {exc.field or "url": _sentence(exc.message)})
    return _endpoint_page(request, session, endpoint, secret=endpoint.secret)


@router.get("/{endpoint_id}")
def endpoint_page(
    request: Request, session: SessionDep, user: AdminPageUser, endpoint_id: int
) -> Response:
    return _endpoint_page(request, session, _endpoint(session, endpoint_id))


@router.post("/{endpoint_id}", dependencies=[CsrfChecked])
def change(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminPageUser,
    endpoint_id: int,
    url: Url = "",
    description: Description = "",
    events: Events = [],  # noqa: B006  # FastAPI copies a form default per request
    active: Active = "",
) -> Response:
    endpoint = _endpoint(session, endpoint_id)
    form = {"url": url, "description": description, "events": events, "active": active == "yes"}
    try:
        service.change(
            session,
            endpoint,
            url=url,
            events=events,
            description=description,
            active=active == "yes",
            allow_private=settings.webhook_allow_private,
        )
    except Invalid as exc:
        errors = {exc.field or "url": _sentence(exc.message)}
        return _endpoint_page(request, session, endpoint, form=form, errors=errors)
    return redirect(request, f"/admin/webhooks/{endpoint.id}", "Saved.")


@router.post("/{endpoint_id}/deliveries/{delivery_id}/send-again", dependencies=[CsrfChecked])
def resend(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminPageUser,
    endpoint_id: int,
    delivery_id: int,
) -> Response:
    endpoint = _endpoint(session, endpoint_id)
    back = f"/admin/webhooks/{endpoint.id}"
    if not send_again(
        session,
        endpoint_id=endpoint.id,
        delivery_id=delivery_id,
        give_up_s=settings.webhook_give_up_s,
    ):
        return redirect(request, back, f"There is no delivery #{delivery_id}.", kind="error")
    return redirect(request, back, f"Delivery #{delivery_id} will be sent again shortly.")
