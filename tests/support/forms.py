"""Driving the app's HTML forms through a TestClient, with the session's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page carries (meta tag or hidden field)."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def sign_in(client: TestClient, email: str, password: str = PASSWORD):
    """Sign in through the form; returns the response to the form post."""
    token = csrf_of(client.get("/sign-in").text)
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def post_form(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """POST a form with the CSRF token of the signed-in session."""
    token = csrf_of(client.get("/jobs").text)
    return client.post(
        url, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kwargs
    )
