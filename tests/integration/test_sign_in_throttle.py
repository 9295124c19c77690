"""Sign-in throttling shared by two real API processes, the admin view of locks, its growth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from accounts import throttle
from accounts.models import Role, SignInThrottle, ThrottleScope
from core.db import transaction
from tests.factories import PASSWORD, make_user
from tests.support.forms import csrf_of
from tests.support.processes import ApiServer, wait_for

FREE = 3
LOCK_BASE_S = 60


@pytest.fixture
def two_apis(settings, engine, tmp_path: Path) -> Iterator[list[str]]:
    env = {
        "APP_ENV": "dev",
        "DATABASE_URL": settings.database_url,
        "LOCAL_STORAGE_DIR": settings.local_storage_dir,
        "SIGNIN_FREE_FAILURES": FREE,
        "SIGNIN_LOCK_BASE_S": LOCK_BASE_S,
    }
    with ExitStack() as stack:
        servers = [stack.enter_context(ApiServer(tmp_path / f"api{n}.log", **env)) for n in (1, 2)]
        for server in servers:

            def up(url: str = server.url) -> bool:
                try:
                    return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_for(up, what="an API process answering")
        yield [server.url for server in servers]


def token(url: str, email: str, password: str) -> httpx.Response:
    body = {"email": email, "password": password}
    return httpx.post(f"{url}/api/v1/auth/token", json=body, timeout=30)


def web_sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    csrf = csrf_of(client.get("/sign-in").text)
    form = {"email": email, "password": password, "csrf_token": csrf, "next": "/"}
    return client.post("/sign-in", data=form)


def test_two_api_processes_share_one_lock_that_an_admin_clears(two_apis, session_factory):
    with transaction(session_factory) as session:
        agent = make_user(session, role=Role.AGENT).email
        admin = make_user(session, role=Role.ADMIN).email

    for attempt in range(FREE + 1):  # the last of these locks the account
        assert token(two_apis[attempt % 2], agent, "wrong-password").status_code == 401
    for url in two_apis:
        refused = token(url, agent, PASSWORD)  # even the right password, on either process
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "too_many_sign_ins"
        assert 0 < int(refused.headers["retry-after"]) <= LOCK_BASE_S
    with httpx.Client(base_url=two_apis[0], timeout=30) as browser:
        page = web_sign_in(browser, agent, PASSWORD)
        assert page.status_code == 429
        assert "Too many failed sign-ins" in page.text
        assert "sw_session" not in browser.cookies

    with session_factory() as session:
        row = session.scalars(
            select(SignInThrottle).where(SignInThrottle.scope == ThrottleScope.ACCOUNT)
        ).one()
        assert (row.key, row.failures) == (agent, FREE + 1)

    with httpx.Client(base_url=two_apis[1], timeout=30) as console:
        assert web_sign_in(console, admin, PASSWORD).status_code == 303
        listing = console.get("/admin/users/sign-ins")
        assert listing.status_code == 200 and agent in listing.text
        csrf = csrf_of(listing.text)
        cleared = console.post(f"/admin/users/sign-ins/{row.id}/clear", data={"csrf_token": csrf})
        assert cleared.status_code == 303
    assert token(two_apis[0], agent, PASSWORD).status_code == 200


def test_each_failure_past_the_allowance_doubles_the_lock(session_factory, settings):
    settings = settings.model_copy(update={"signin_free_failures": 2, "signin_lock_max_s": 5})
    lengths = []
    for _ in range(6):
        with transaction(session_factory) as session:
            throttle.record_failure(session, email="a@b.c", address="10.0.0.1", settings=settings)
        with session_factory() as session:
            row = session.scalars(
                select(SignInThrottle).where(SignInThrottle.scope == ThrottleScope.ACCOUNT)
            ).one()
            lock = row.locked_until - row.last_failure_at if row.locked_until else timedelta(0)
            lengths.append(lock.total_seconds())
    assert lengths == [0, 0, 1, 2, 4, 5]


def test_an_address_trying_many_accounts_is_locked(session_factory, settings):
    settings = settings.model_copy(update={"signin_free_failures": 2})
    for n in range(2 * throttle.ADDRESS_ALLOWANCE_FACTOR + 1):
        with transaction(session_factory) as session:
            assert throttle.check(session, email=f"u{n}@x.y", address="10.0.0.9") is None
            throttle.record_failure(
                session, email=f"u{n}@x.y", address="10.0.0.9", settings=settings
            )
    with session_factory() as session:
        assert throttle.check(session, email="fresh@x.y", address="10.0.0.9") is not None
        assert throttle.check(session, email="fresh@x.y", address="10.0.0.10") is None
