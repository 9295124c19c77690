"""Every route is guarded: a matrix over app.routes, so a new unguarded route fails here."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from accounts.models import Role
from accounts.security import csrf_token_for
from api.app import create_app
from tests.support.forms import csrf_of

# Routes anyone may call; everything else needs a signed-in user.
PUBLIC = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),  # METRICS_TOKEN bearer when set; open only in dev mode without one
    ("GET", "/files/{key:path}"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/openapi.json"),  # dev mode only, with /docs
    ("GET", "/docs"),
}
STAFF_PREFIXES = ("/admin", "/api/v1/admin", "/api/v1/workers")
ADMIN_ONLY_PREFIXES = ("/admin/users", "/api/v1/admin/users")


# Run last: they end the session the other checks use.
SIGN_OUT = [("POST", "/sign-out"), ("DELETE", "/api/v1/auth/token")]


def _routes() -> list[tuple[str, str]]:
    """Every method and path the app answers, the static mount aside, sign-outs last."""
    app = create_app()
    routes = sorted(
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in (getattr(context.original_route, "methods", None) or set()) - {"HEAD"}
    )
    assert len(routes) > 40, routes  # the walk reached into the included routers
    return [r for r in routes if r not in SIGN_OUT] + [r for r in SIGN_OUT if r in routes]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


ROUTES = _routes()


def test_every_public_route_still_exists():
    assert set(ROUTES) >= PUBLIC, PUBLIC - set(ROUTES)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_route_guard_matrix(make_client, make_web_user, session_factory, web_settings):
    anonymous = make_client()
    anonymous.get("/sign-in")
    _, agent = make_web_user(Role.AGENT)
    _, staff = make_web_user(Role.MERCHANDISER)
    tokens = {
        role: csrf_token_for(client.cookies["sw_session"], web_settings.secret_key)
        for role, client in ((Role.AGENT, agent), (Role.MERCHANDISER, staff))
    }
    failures = []
    for method, path in ROUTES:
        if (method, path) in PUBLIC:
            continue
        url = _url(path)
        is_page = not path.startswith("/api/")
        form = {"csrf_token": csrf_of(anonymous.get("/sign-in").text)}
        response = anonymous.request(
            method, url, data=form if is_page else None, follow_redirects=False
        )
        expected = 303 if is_page else 401
        if response.status_code != expected or (
            is_page and not response.headers["location"].startswith("/sign-in")
        ):
            failures.append(f"anonymous {method} {path}: {response.status_code}")

        for role, client in ((Role.AGENT, agent), (Role.MERCHANDISER, staff)):
            token = tokens[role]
            response = client.request(
                method,
                url,
                data={"csrf_token": token} if is_page else None,
                headers={"X-CSRF-Token": token},
                follow_redirects=False,
            )
            needs = (
                Role.ADMIN
                if path.startswith(ADMIN_ONLY_PREFIXES)
                else Role.MERCHANDISER
                if path.startswith(STAFF_PREFIXES)
                else Role.AGENT
            )
            refused = response.status_code in (401, 403) or (
                is_page and response.headers.get("location", "").startswith("/sign-in")
            )
            signing_out = (method, path) in SIGN_OUT
            if (role.includes(needs) == refused and not signing_out) or response.status_code >= 500:
                failures.append(f"{role.value} {method} {path}: {response.status_code}")
    assert not failures, "\n".join(failures)
