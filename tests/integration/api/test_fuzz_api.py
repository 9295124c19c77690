"""Property-based fuzzing on both databases: every /api/v1 operation (with valid generated photos
so POST /jobs gets past validation), stateful create → get → cancel → retry through the document's
links, and every page route and form. No 5xx anywhere; every API 4xx in our error shape."""

from __future__ import annotations

import copy
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.hooks import HookContext
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role
from accounts.security import csrf_token_for
from api.app import API_PREFIX, create_app
from api.pages.common import PageRoute
from core.db import transaction
from core.settings import Settings
from tests.factories import encode, make_job, make_style, make_user
from tests.support.forms import sign_in

# Small and fixed so `make test` stays quick (about 2 min on 2 cores for the whole file);
# FUZZ_EXAMPLES=200 runs a deeper search by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
PAGE_EXAMPLES = max(1, MAX_EXAMPLES // 2)
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_app(api_settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[FastAPI]:
    """The real app with a style and a job the fuzzer's ids can land on."""
    with transaction(session_factory) as session:
        style = make_style(session, slug="modern", name="Modern")
        make_job(session, user=make_user(session), style=style)
    app = create_app(api_settings)
    with TestClient(app):
        yield app


@pytest.fixture
def agent_headers(make_actor) -> dict[str, str]:
    return make_actor().headers


def _openapi_document() -> dict[str, Any]:
    """The app's document; building the app opens no connection, so any database URL will do."""
    app = create_app(Settings(_env_file=None, database_url="sqlite://"))
    return app.openapi()


schema = schemathesis.openapi.from_dict(_openapi_document()).include(path_regex=f"^{API_PREFIX}/")
# The fuzz app's style: a photo sent with these values passes validation and becomes a job.
VALID_FORM = {"style": "modern", "room_type": "living_room"}


def _photo(width: int, height: int, fmt: str, shade: int) -> bytes:
    return encode(Image.new("RGB", (width, height), (shade, 255 - shade, shade // 2)), fmt)


PHOTOS = st.builds(
    _photo,
    st.integers(32, 128),
    st.integers(32, 128),
    st.sampled_from(["JPEG", "PNG", "WEBP"]),
    st.integers(0, 255),
)


@schema.hook
def flatmap_body(context: HookContext, body: Any) -> st.SearchStrategy:
    """POST /jobs gets a real photo; 3 times in 4 with only a valid style and room type (the
    other fields left to their defaults), so the stateful test has jobs to follow."""
    operation = context.operation
    if operation is None or (operation.method, operation.path) != ("post", f"{API_PREFIX}/jobs"):
        return st.just(body)
    if not isinstance(body, dict):
        return st.just(body)
    return st.tuples(PHOTOS, st.integers(0, 3).map(bool)).map(
        lambda drawn: {"photo": drawn[0], **VALID_FORM} if drawn[1] else {**body, "photo": drawn[0]}
    )


# The stateful test walks the job operations alone: others would only thin out its steps.
jobs_schema = schema.exclude(path_regex=f"^{API_PREFIX}/(?!jobs)")
jobs_schema.hook(flatmap_body)


def check_error_shape(response: Any) -> None:
    """Every 4xx answers {"error": {"code", "message", ...}} with non-empty strings."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body


@schema.parametrize()
@FUZZ_SETTINGS
def test_signed_in_agent_never_gets_a_server_error(
    case: Case, fuzz_app: FastAPI, agent_headers: dict[str, str]
):
    response = case.call(app=fuzz_app, headers=agent_headers)
    case.validate_response(response, checks=CHECKS, headers=agent_headers)
    check_error_shape(response)


@schema.parametrize()
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # refused before any query
@FUZZ_SETTINGS
def test_anonymous_caller_never_gets_a_server_error(case: Case, fuzz_app: FastAPI):
    response = case.call(app=fuzz_app)
    case.validate_response(response, checks=CHECKS)
    check_error_shape(response)


def test_openapi_document_advertises_our_error_shape_for_every_4xx():
    document = _openapi_document()
    for path, operations in document["paths"].items():
        if not path.startswith(f"{API_PREFIX}/"):
            continue
        for method, operation in operations.items():
            client_errors = {s for s in operation["responses"] if s.startswith("4")}
            assert {"400", "401", "422"} <= client_errors, (method, path)
            for status in client_errors:
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, status


STATEFUL_SETTINGS = settings(
    FUZZ_SETTINGS, max_examples=MAX_EXAMPLES, stateful_step_count=6, phases=[Phase.generate]
)


def test_stateful_create_get_cancel_retry(fuzz_app: FastAPI, agent_headers: dict[str, str]):
    """Follows the document's links from each created job to get, cancel and retry it."""
    calls: Counter[tuple[str, str, int]] = Counter()

    class Workflow(jobs_schema.as_state_machine()):  # type: ignore[misc]  # built from the schema at run time
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"app": fuzz_app, "headers": agent_headers}

        def after_call(self, response: Any, case: Case) -> None:
            calls[(case.method.upper(), case.path, response.status_code)] += 1

        def validate_response(self, response: Any, case: Case, *_args: Any, **_kw: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=agent_headers)
            check_error_shape(response)

    Workflow.run(settings=STATEFUL_SETTINGS)
    job = f"{API_PREFIX}/jobs/{{job_id}}"
    for method, path, statuses in [
        ("POST", f"{API_PREFIX}/jobs", {202}),
        ("GET", job, {200}),
        ("POST", f"{job}/cancel", {200}),
        ("POST", f"{job}/retry", {200, 409}),  # 409: the linked job was not cancelled first
    ]:
        reached = sum(calls[(method, path, status)] for status in statuses)
        assert reached, (method, path, sorted(calls.items()))


def _pages_document() -> dict[str, Any]:
    """An OpenAPI document of the page routes (hidden from the API's own document)."""
    app = create_app(Settings(_env_file=None, database_url="sqlite://"))
    routes = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, PageRoute):
            route = copy.copy(context.original_route)
            route.include_in_schema = True
            routes.append(route)
    return get_openapi(title="pages", version="1", routes=routes)


pages_schema = schemathesis.openapi.from_dict(_pages_document())


@pytest.fixture
def admin_browser(fuzz_app: FastAPI, session_factory) -> Iterator[tuple[TestClient, str]]:
    """A client signed in to the web UI as an admin, and its CSRF token."""
    with transaction(session_factory) as session:
        admin = make_user(session, role=Role.ADMIN)
    client = TestClient(fuzz_app, raise_server_exceptions=False)
    assert sign_in(client, admin.email).status_code == 303
    yield client, csrf_token_for(client.cookies["sw_session"], fuzz_app.state.settings.secret_key)
    client.close()


@pages_schema.parametrize()
# PostgreSQL only, to stay quick: it is the stricter database (NUL bytes, integer ranges).
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@settings(FUZZ_SETTINGS, max_examples=PAGE_EXAMPLES)
def test_every_page_and_form_never_gets_a_server_error(
    case: Case, admin_browser: tuple[TestClient, str]
):
    client, csrf = admin_browser
    form: dict[str, Any] = case.body if isinstance(case.body, dict) else {}
    response = client.request(
        case.method,
        case.formatted_path,
        params=case.query,
        data={**form, "csrf_token": csrf} if case.method.upper() == "POST" else None,
        follow_redirects=False,
    )
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, form)


def _jpeg_segments(data: bytes) -> list[int]:
    """Offsets of the segments before the first scan."""
    found, i = [], 2
    while data[i + 1] != 0xDA:
        found.append(i)
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return found


def _malformed(photo: bytes, which: int, delta: int, trailer: bytes) -> bytes:
    """A JPEG with one segment's length off by `delta` and bytes after its end."""
    data = bytearray(photo)
    offsets = _jpeg_segments(photo)
    at = offsets[which % len(offsets)]
    length = int.from_bytes(data[at + 2 : at + 4], "big")
    data[at + 2 : at + 4] = max(0, min(0xFFFF, length + delta)).to_bytes(2, "big")
    return bytes(data) + trailer


MALFORMED_JPEGS = st.builds(
    _malformed,
    st.builds(lambda w, h: _photo(w, h, "JPEG", 90), st.integers(32, 96), st.integers(32, 96)),
    st.integers(0, 8),
    st.integers(-4, 4) | st.sampled_from([0x7FFF, -0x7FFF]),
    st.binary(max_size=64) | st.just(b"\x00\x00\x00\x18ftypmp42\xff\xd9"),
)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@FUZZ_SETTINGS
@given(photo=MALFORMED_JPEGS, path=st.sampled_from(["jobs", "room-guesses"]))
def test_malformed_segments_are_refused_never_a_server_error(
    fuzz_app: FastAPI, agent_headers: dict[str, str], photo: bytes, path: str
):
    with TestClient(fuzz_app) as client:
        response = client.post(
            f"{API_PREFIX}/{path}",
            headers=agent_headers,
            data=VALID_FORM if path == "jobs" else {},
            files={"photo": ("room.jpg", photo, "image/jpeg")},
        )
    assert response.status_code in (202, 413, 415, 422, 429), response.text
    check_error_shape(response)


OFFSET_MINUTES = st.integers(-(23 * 60 + 59), 23 * 60 + 59)


def _moment(year: int, minutes: int, naive: bool) -> str:
    sign, value = ("-" if minutes < 0 else "+"), abs(minutes)
    edge = "01-01T00:00:00" if year == 1 else "12-31T23:59:59"
    offset = "" if naive else f"{sign}{value // 60:02d}:{value % 60:02d}"
    return f"{year:04d}-{edge}{offset}"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@FUZZ_SETTINGS
@given(
    year=st.sampled_from([1, 2, 9998, 9999]),
    minutes=OFFSET_MINUTES,
    naive=st.booleans(),
    name=st.sampled_from(["created_from", "created_to"]),
)
def test_dates_at_the_edges_with_any_offset_never_get_a_server_error(
    fuzz_app: FastAPI, agent_headers: dict[str, str], year, minutes, naive, name
):
    with TestClient(fuzz_app) as client:
        response = client.get(
            f"{API_PREFIX}/jobs",
            params={name: _moment(year, minutes, naive)},
            headers=agent_headers,
        )
    assert response.status_code in (200, 422), response.text
    check_error_shape(response)


def test_an_offset_that_leaves_the_calendar_is_a_422(fuzz_app, agent_headers):
    with TestClient(fuzz_app) as client:
        response = client.get(
            f"{API_PREFIX}/jobs",
            params={"created_to": "9999-12-31T23:59:59-14:00"},
            headers=agent_headers,
        )
    assert response.status_code == 422
    assert "out of range" in response.json()["error"]["message"]
