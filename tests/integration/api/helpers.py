"""Request helpers shared by the API tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response  # TestClient's client (starlette prefers httpx2)

from accounts.models import User
from tests.factories import photo_bytes


@dataclass
class Actor:
    """A signed-in user and the headers that carry their bearer token."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def submit(
    client: TestClient,
    headers: dict[str, str],
    *,
    photo: bytes | None = None,
    filename: str = "room.jpg",
    content_type: str = "image/jpeg",
    key: str | None = None,
    **form: Any,
) -> Response:
    """POST /api/v1/jobs with a photo and form fields (style modern, living room by default)."""
    data = {"style": "modern", "room_type": "living_room", **form}
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    files = {"photo": (filename, photo if photo is not None else photo_bytes(), content_type)}
    return client.post("/api/v1/jobs", headers=headers, data=data, files=files)


def error_of(response: Response) -> dict[str, Any]:
    """The error object of a JSON error response (asserts the one shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "field"} <= set(body["error"]), body
    assert body["error"]["message"]
    return body["error"]
