"""api/inputs.py's gate on every route: control characters in any text input, ids past BIGINT."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import params
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import BaseModel

from accounts.models import Role
from accounts.security import csrf_token_for
from api.app import create_app
from api.inputs import CheckedRoute
from api.pages.common import PageRoute
from core.db import transaction
from tests.factories import make_job
from tests.support.forms import csrf_of

SIGN_OUT = {("POST", "/sign-out"), ("DELETE", "/api/v1/auth/token")}
HOSTILE = ["a\x00b", "a\x1bb", "a\x7fb"]


def _api_routes() -> list[tuple[str, APIRoute]]:
    contexts = iter_route_contexts(create_app().routes)
    routes = [
        (c.path, c.original_route)
        for c in contexts
        if isinstance(c.original_route, APIRoute) and c.path is not None
    ]
    assert len(routes) > 40
    return routes


def _fields(route: APIRoute, kind: str) -> list:
    """The route's query or body fields, its dependencies' included."""
    found, stack = [], [route.dependant]
    while stack:
        dependant = stack.pop()
        found.extend(getattr(dependant, kind))
        stack.extend(dependant.dependencies)
    return found


def _names(field) -> list[str]:
    annotation = field.field_info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [info.alias or name for name, info in annotation.model_fields.items()]
    return [field.alias]


def _requests(full_path: str, route: APIRoute, bad: str):
    """(method, url, query, form, json) with `bad` in each text input of the route in turn."""
    query_fields, body_fields = _fields(route, "query_params"), _fields(route, "body_params")
    path = re.sub(r"\{[^}]+\}", "1", full_path)
    for method in sorted((route.methods or set()) - {"HEAD"}):
        if (method, full_path) in SIGN_OUT:
            continue
        for name in re.findall(r"\{(\w+)", full_path):
            url = re.sub(r"\{" + name + r"[^}]*\}", "a%00b", full_path)
            yield method, re.sub(r"\{[^}]+\}", "1", url), {}, None, None
        for field in query_fields:
            for name in _names(field):
                yield method, path, {name: bad}, None, None
        form_fields = [f for f in body_fields if isinstance(f.field_info, params.Form)]
        for field in form_fields:
            for name in _names(field):
                if name != "csrf_token":
                    yield method, path, {}, {name: bad}, None
        if body_fields and not form_fields:
            yield method, path, {}, None, {"name": bad, "email": bad}


def test_every_route_goes_through_the_gate():
    assert all(isinstance(route, CheckedRoute) for _, route in _api_routes())


@pytest.mark.parametrize("bad", HOSTILE, ids=["nul", "escape", "delete"])
def test_control_characters_are_refused_on_every_route(make_web_user, web_settings, bad):
    _, admin = make_web_user(Role.ADMIN)
    token = csrf_token_for(admin.cookies["sw_session"], web_settings.secret_key)
    failures, checked = [], 0
    for full_path, route in _api_routes():
        is_page = isinstance(route, PageRoute)
        for method, url, query, form, json in _requests(full_path, route, bad):
            data = {**form, "csrf_token": token} if form is not None else None
            response = admin.request(
                method,
                url,
                params=query,
                data=data,
                json=json,
                headers={"X-CSRF-Token": token},
                follow_redirects=False,
            )
            checked += 1
            expected = 400 if is_page else 422
            if "%00" in url and is_page:
                expected = 404  # a page path that cannot exist
            text = response.text
            if response.status_code != expected or (
                expected != 404 and "control characters" not in text
            ):
                failures.append(
                    f"{method} {url} {query or form or json}: {response.status_code} {text[:300]}"
                )
    assert checked > 60
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("bad", ["a\x00b@example.com", "a\x01b@example.com"])
def test_anonymous_sign_in_with_a_control_character(make_client, bad):
    client = make_client()
    token = csrf_of(client.get("/sign-in").text)
    page = client.post("/sign-in", data={"email": bad, "password": "x" * 12, "csrf_token": token})
    assert page.status_code == 400
    assert "control characters" in page.text
    api = client.post("/api/v1/auth/token", json={"email": bad, "password": "x" * 12})
    assert api.status_code == 422
    assert api.json()["error"]["field"] == "email"


def _with_token(client, method: str, url: str, token: str):
    """A request with the CSRF token as a form field and as a header, not followed."""
    return client.request(
        method,
        url,
        data={"csrf_token": token},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )


def test_ids_past_bigint_are_not_found_on_every_route(make_web_user, web_settings):
    _, admin = make_web_user(Role.ADMIN)
    token = csrf_token_for(admin.cookies["sw_session"], web_settings.secret_key)
    failures = []
    for full_path, route in _api_routes():
        if not re.search(r"\{\w*id\}", full_path):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            too_big = str(2**63) if "{job_id}" in full_path else str(2**31)
            for huge in (too_big, "9" * 5000):
                url = re.sub(r"\{\w*id\}", huge, full_path)
                response = _with_token(admin, method, url, token)
                expected = 404 if isinstance(route, PageRoute) else 422
                if response.status_code != expected:
                    failures.append(f"{method} {url[:60]}: {response.status_code}")
    assert not failures, "\n".join(failures)


NON_ASCII = "é".encode() * 16  # sent as raw header bytes; the server reads them as Latin-1


def test_non_ascii_csrf_tokens_are_refused(make_web_user):
    _, agent = make_web_user(Role.AGENT)
    api = agent.delete("/api/v1/auth/token", headers={"X-CSRF-Token": NON_ASCII})
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "csrf_failed"
    form = agent.post("/sign-out", data={"csrf_token": "é" * 16}, follow_redirects=False)
    assert form.status_code == 403
    assert "Form expired" in form.text


def test_a_non_ascii_file_signature_is_refused(make_client):
    response = make_client().get("/files/jobs/1/input.jpg?expires=99999999999&sig=%C3%A9%C3%A9")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"


def test_a_planted_non_ascii_flash_cookie_is_ignored(make_web_user):
    _, agent = make_web_user(Role.AGENT)
    session = agent.cookies["sw_session"]
    for cookie in (b"sw_flash=" + NON_ASCII, b"sw_flash=" + NON_ASCII + b"." + NON_ASCII):
        anonymous = agent.get("/sign-in", headers={"Cookie": cookie})
        assert anonymous.status_code == 200
        page = agent.get("/jobs", headers={"Cookie": f"sw_session={session}; ".encode() + cookie})
        assert page.status_code == 200
        assert "Your jobs" in page.text or "jobs" in page.text


def test_integers_past_bigint_in_any_query_are_refused(make_web_user, web_settings):
    _, admin = make_web_user(Role.ADMIN)
    failures, checked = [], 0
    for full_path, route in _api_routes():
        path = re.sub(r"\{[^}]+\}", "1", full_path)
        names = [
            name
            for field in _fields(route, "query_params")
            if "int" in str(field.field_info.annotation)
            for name in _names(field)
        ]
        for name in names:
            for huge in (str(2**31), f"-{2**31}", "9" * 5000):
                response = admin.get(path, params={name: huge}, follow_redirects=False)
                checked += 1
                expected = 400 if isinstance(route, PageRoute) else 422
                if response.status_code != expected:
                    failures.append(f"{path} {name}={huge[:30]}: {response.status_code}")
    assert checked >= 9  # user, style, page on /admin/jobs; user_id, page, per_page on the API ...
    assert not failures, "\n".join(failures)


def test_a_date_time_without_an_offset_is_read_as_utc(make_web_user, session_factory, style):
    user, agent = make_web_user(Role.AGENT)
    with transaction(session_factory) as session:
        make_job(session, user=user, style=style, created_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
    for query, found in (
        ("created_from=2026-03-01T09:59:00", 1),
        ("created_from=2026-03-01T10:01:00", 0),
        ("created_to=2026-03-01T10:01:00", 1),
        ("created_from=0001-01-01T00:00:00&created_to=9999-12-31T23:59:59", 1),
    ):
        response = agent.get(f"/api/v1/jobs?{query}")
        assert response.status_code == 200, (query, response.text)
        assert response.json()["total"] == found, query
    schema = agent.get("/openapi.json").json()
    parameters = schema["paths"]["/api/v1/jobs"]["get"]["parameters"]
    created = [p for p in parameters if p["name"].startswith("created_")]
    assert len(created) == 2
    assert all("read as UTC" in p["description"] for p in created)


def test_admin_jobs_date_to_at_the_end_of_time_is_a_bad_address(make_web_user):
    _, admin = make_web_user(Role.ADMIN)
    response = admin.get("/admin/jobs?date_to=9999-12-31")
    assert response.status_code == 400
    assert "date_to" in response.text
    assert admin.get("/admin/jobs?date_from=0001-01-01&date_to=9999-12-30").status_code == 200


def test_a_job_whose_photo_is_gone_is_a_404_not_a_500(make_web_user, session_factory, style):
    from jobs.models import JobState

    user, agent = make_web_user(Role.AGENT)
    with transaction(session_factory) as session:
        job = make_job(session, user=user, style=style, state=JobState.COMPLETED)
        job.result_keys = [f"jobs/{job.id}/result-1.jpg"]
    for url in (f"/jobs/{job.id}/thumb.jpg", f"/jobs/{job.id}/download.zip"):
        response = agent.get(url)
        assert response.status_code == 404, url
        assert "no longer stored" in response.text


# Characters str.isdigit() (or int()) takes that are not 0-9: superscripts, other scripts'
# digits, full-width and mathematical digits, Roman numerals, fractions.
UNICODE_DIGITS = ["²", "¹", "\u0661", "३", "\uff11", "\U0001d7d9", "Ⅻ", "½", "٣٤"]


@pytest.mark.parametrize("digits", UNICODE_DIGITS)
def test_unicode_digits_in_any_path_are_never_a_500(
    make_web_user, web_settings, session_factory, style, digits
):
    from jobs.models import JobState
    from tests.factories import completed_job

    user, admin = make_web_user(Role.ADMIN)
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        session.merge(job).state = JobState.COMPLETED
    token = csrf_token_for(admin.cookies["sw_session"], web_settings.secret_key)
    failures, checked = [], 0
    for full_path, route in _api_routes():
        names = re.findall(r"\{(\w+)", full_path)
        for name in names:
            url = full_path
            for other in names:
                value = digits if other == name else str(job.id)
                url = re.sub(r"\{" + other + r"[^}]*\}", value, url)
            for method in sorted(route.methods - {"HEAD"}):
                response = _with_token(admin, method, url, token)
                checked += 1
                if response.status_code >= 500:
                    failures.append(f"{method} {url}: {response.status_code}")
    response = admin.get(f"/jobs/{job.id}/web/{digits}.jpg")
    assert response.status_code == 404
    assert checked > 25
    assert not failures, "\n".join(failures)


def test_a_whole_number_field_refuses_unicode_digits(make_web_user, web_settings):
    _, admin = make_web_user(Role.ADMIN)
    token = csrf_of(admin.get("/admin/users").text)
    form = {
        "email": "new@example.com",
        "password": "x" * 12,
        "daily_quota": "²",
        "csrf_token": token,
    }
    response = admin.post("/admin/users", data=form, follow_redirects=False)
    assert response.status_code < 500
    assert "enter a whole number" in response.text


@hypothesis_settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(listing=st.text(min_size=1, max_size=200))
def test_a_listing_name_in_any_script_makes_a_valid_download_header(listing):
    from urllib.parse import unquote

    from api.pages.mls import content_disposition

    header = content_disposition(listing)
    header.encode("latin-1")  # what Starlette sends: anything else was a 500
    plain = re.search(r'filename="([^"]*)"', header).group(1)
    assert plain.isascii() and re.fullmatch(r"mls-[a-z0-9-]+\.zip", plain), plain
    encoded = header.split("filename*=UTF-8''")[1]
    assert encoded.isascii() and unquote(encoded).startswith("mls-")
