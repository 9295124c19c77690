"""The real app on the test database, driven through its HTML forms with a session cookie."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import Role, User
from api.app import create_app
from catalog.models import Style
from core.db import transaction
from core.settings import Settings
from core.storage import LocalStorage, job_input_key, job_mask_key, job_result_key
from jobs.models import Job, JobState
from tests.factories import PASSWORD, make_job, make_style, make_user, photo_bytes

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


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"min_upload_side_px": 32})


@pytest.fixture
def make_client(web_settings: Settings, engine) -> Iterator[Callable[[], TestClient]]:
    """New clients (each with its own cookie jar) on one app."""
    app = create_app(web_settings)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def make_web_user(
    session_factory: sessionmaker[Session], make_client
) -> Callable[..., tuple[User, TestClient]]:
    """A user of the given role and a client signed in as them."""

    def make(role: Role = Role.AGENT, **fields) -> tuple[User, TestClient]:
        with transaction(session_factory) as session:
            user = make_user(session, role=role, **fields)
        client = make_client()
        response = sign_in(client, user.email)
        assert response.status_code == 303, response.text
        return user, client

    return make


@pytest.fixture
def style(session_factory: sessionmaker[Session]) -> Style:
    with transaction(session_factory) as session:
        return make_style(session, slug="modern", name="Modern")


def post_form(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """POST a form with the CSRF token of the signed-in session."""
    token = csrf_of(client.get("/jobs").text)
    return client.post(
        url, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kwargs
    )


def completed_job(
    session_factory: sessionmaker[Session], settings: Settings, *, user: User, style: Style
) -> Job:
    """A finished job with its photo, two labelled results and a mask in storage."""
    storage = LocalStorage(settings.local_storage_dir, settings.secret_key)
    with transaction(session_factory) as session:
        job = make_job(session, user=user, style=style, state=JobState.COMPLETED, variants=2)
        job.result_keys = [job_result_key(job.id, 1, n) for n in (1, 2)]
        job.result_seeds = [11, 12]
        job.mask_key = job_mask_key(job.id, 1)
        job.generator = "preview"
        storage.put(job_input_key(job.id), photo_bytes(), "image/jpeg")
        for n, key in enumerate(job.result_keys, start=1):
            storage.put(key, photo_bytes(width=96 + n), "image/jpeg")
        storage.put(job.mask_key, photo_bytes("PNG"), "image/png")
    return job


def storage_root(settings: Settings) -> Path:
    return Path(settings.local_storage_dir)
