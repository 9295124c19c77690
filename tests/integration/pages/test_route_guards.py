"""Every route is guarded: a matrix over app.routes, so a new unguarded route fails here."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from accounts.brokerage import save_brokerage
from accounts.models import Role
from accounts.security import csrf_token_for
from api.app import create_app
from core.db import transaction
from core.storage import LocalStorage, brokerage_logo_key
from jobs.models import JobState
from jobs.shares import ShareScope, create_share, revoke_share
from jobs.videos import VideoShape, request_video, video_key
from tests.factories import completed_job, encode, make_style, room_photo
from tests.support.forms import csrf_of

# Routes anyone may call; everything else needs a signed-in user.
PUBLIC = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/sso/start"),  # single sign-on: a 404 where OIDC_ISSUER is not set
    ("GET", "/sso/callback"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),  # METRICS_TOKEN bearer when set; open only in dev mode without one
    ("GET", "/files/{key:path}"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/openapi.json"),  # dev mode only, with /docs
    ("GET", "/docs"),
}
# Open to anyone holding a live share link, to no one else: the matrix's made-up token is a 404
# for everyone, signed in or not; test_share_routes_open_only_through_a_live_link uses real ones.
LINK_PREFIX = "/s/"
STAFF_PREFIXES = ("/admin", "/api/v1/admin", "/api/v1/workers")
ADMIN_ONLY_PREFIXES = ("/admin/users", "/api/v1/admin/users", "/admin/webhooks")


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


def test_the_matrix_reaches_the_edit_items_console():
    """/admin/items is staff only through STAFF_PREFIXES: the matrix must walk its routes."""
    items = {(m, p) for m, p in ROUTES if p.startswith("/admin/items")}
    assert {("GET", "/admin/items"), ("POST", "/admin/items/{item_id}/delete")} <= items
    assert len(items) == 6, items


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
        if path.startswith(LINK_PREFIX):
            for who, client in (("anonymous", anonymous), ("agent", agent), ("staff", staff)):
                if (status := client.request(method, url).status_code) != 404:
                    failures.append(f"{who} {method} {path} with a made-up token: {status}")
            continue
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


LINK_VALUES = {"token": None, "number": "1", "name": "after"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_share_routes_open_only_through_a_live_link(
    make_client, make_web_user, session_factory, web_settings
):
    user, agent = make_web_user(Role.AGENT)
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    with transaction(session_factory) as session:
        style = make_style(session)
        save_brokerage(session, name="Acme Realty", logo_key=brokerage_logo_key())
    storage.put(brokerage_logo_key(), encode(room_photo(60, 20), "PNG"), "image/png")
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        link, token = create_share(session, user=user, job_id=job.id, scope=ShareScope.JOB)
        video = request_video(
            session,
            user=user,
            job_id=job.id,
            scope=ShareScope.JOB,
            shapes=["landscape"],
            settings=web_settings,
        )
        video.state, video.result_keys = (
            JobState.COMPLETED,
            [video_key(video.id, 1, VideoShape.LANDSCAPE)],
        )
    storage.put(video.result_keys[0], b"\x00\x00\x00\x18ftypisom", "video/mp4")
    routes = [path for method, path in ROUTES if path.startswith(LINK_PREFIX)]
    assert len(routes) == 4 and all(method == "GET" for method, path in ROUTES if path in routes)
    urls = [
        re.sub(r"\{(\w+)[^}]*\}", lambda m: LINK_VALUES[m.group(1)] or token, path)
        for path in routes
    ]
    anonymous = make_client()
    assert [anonymous.get(url).status_code for url in urls] == [200] * 4
    _, other_agent = make_web_user(Role.AGENT)
    assert [other_agent.get(url).status_code for url in urls] == [200] * 4
    with transaction(session_factory) as session:
        revoke_share(session, user=user, share_id=link.id)
    assert [client.get(url).status_code for url in urls for client in (anonymous, agent)] == [
        404
    ] * 8
