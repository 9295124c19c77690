"""Property-based fuzzing of every /api/v1 operation: no 5xx, every 4xx in our error shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from api.app import API_PREFIX, create_app
from core.db import transaction
from core.settings import Settings
from tests.factories import make_job, make_style, make_user

# Small and fixed, so both tests together stay well under a minute.
MAX_EXAMPLES = 12
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
def db_url(sqlite_url: str) -> str:
    """SQLite only: the fuzzer looks for bad input handling, not for database differences."""
    return sqlite_url


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
