"""A page that asks before a destructive action runs; its form posts again with confirm=yes."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.pages.common import render

CONFIRMED = "yes"


def confirm_page(
    request: Request,
    *,
    title: str,
    message: str,
    action: str,
    confirm_label: str,
    back_url: str,
    fields: dict[str, str] | None = None,
    warning: str | None = None,
) -> Response:
    """The question, with `warning` above the buttons when the action has a wider effect."""
    context = {
        "title": title,
        "message": message,
        "warning": warning,
        "action": action,
        "fields": fields or {},
        "confirm_label": confirm_label,
        "back_url": back_url,
    }
    return render(request, "confirm.html", context)
