"""Sign-in throttling shared by two real API processes: a burst cannot pass the allowance, a forged
X-Forwarded-For picks no address, a lock shuts out only its own address (and a known device
passes the account-wide one), the admin view of locks, the growth of locks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
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
from tests.support.processes import ApiServer

FREE = 3
LOCK_BASE_S = 60


@contextmanager
def _apis(settings, tmp_path: Path, count: int, **extra: object) -> Iterator[list[str]]:
    """`count` API processes on the test database; their URLs."""
    env = {
        "APP_ENV": "dev",
        "DATABASE_URL": settings.database_url,
        "LOCAL_STORAGE_DIR": settings.local_storage_dir,
        "SIGNIN_FREE_FAILURES": FREE,
        "SIGNIN_LOCK_BASE_S": LOCK_BASE_S,
        **extra,
    }
    with ExitStack() as stack:
        urls = []
        for n in range(count):
            server = stack.enter_context(ApiServer(tmp_path / f"api{n}.log", **env))
            urls.append(server.wait_until_answering().url)
        yield urls


@pytest.fixture
def two_apis(settings, engine, tmp_path: Path) -> Iterator[list[str]]:
    with _apis(settings, tmp_path, 2) as urls:
        yield urls


@pytest.fixture
def behind_proxy(settings, engine, tmp_path: Path) -> Iterator[str]:
    """One API process that trusts the test (127.0.0.1) as its reverse proxy."""
    with _apis(settings, tmp_path, 1, TRUSTED_PROXIES="127.0.0.1") as urls:
        yield urls[0]


def token(url: str, email: str, password: str, **kwargs) -> httpx.Response:
    body = {"email": email, "password": password}
    return httpx.post(f"{url}/api/v1/auth/token", json=body, timeout=60, **kwargs)


def web_sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    csrf = csrf_of(client.get("/sign-in").text)
    form = {"email": email, "password": password, "csrf_token": csrf, "next": "/"}
    return client.post("/sign-in", data=form)


def rows(session_factory, scope: ThrottleScope) -> list[SignInThrottle]:
    with session_factory() as session:
        return list(session.scalars(select(SignInThrottle).where(SignInThrottle.scope == scope)))


def test_two_api_processes_share_one_lock_that_an_admin_clears(two_apis, session_factory):
    with transaction(session_factory) as session:
        agent = make_user(session, role=Role.AGENT).email
        admin = make_user(session, role=Role.ADMIN).email

    for attempt in range(FREE):
        assert token(two_apis[attempt % 2], agent, "wrong-password").status_code == 401
    used_up = token(two_apis[1], agent, "wrong-password")  # the last allowed: locks at once
    assert used_up.status_code == 429, used_up.text
    message = used_up.json()["error"]["message"]
    assert re.fullmatch(r"too many failed sign-ins; try again in (1 minute|\d\d seconds)", message)
    for url in two_apis:
        refused = token(url, agent, PASSWORD)  # even the right password, on either process
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "too_many_sign_ins"
        assert 0 < int(refused.headers["retry-after"]) <= LOCK_BASE_S
    with httpx.Client(base_url=two_apis[0], timeout=30) as browser:
        page = web_sign_in(browser, agent, PASSWORD)
        assert page.status_code == 429
        assert re.search(r"Try again in (1 minute|\d\d seconds), or ask an admin\.", page.text)
        assert "sw_session" not in browser.cookies

    (row,) = rows(session_factory, ThrottleScope.ACCOUNT_ADDRESS)
    assert (row.key, row.failures) == (f"{agent} 127.0.0.1", FREE + 1)
    with httpx.Client(base_url=two_apis[1], timeout=30) as console:
        assert web_sign_in(console, admin, PASSWORD).status_code == 303
        listing = console.get("/admin/users/sign-ins")
        assert listing.status_code == 200 and agent in listing.text
        csrf = csrf_of(listing.text)
        cleared = console.post(f"/admin/users/sign-ins/{row.id}/clear", data={"csrf_token": csrf})
        assert cleared.status_code == 303
    assert token(two_apis[0], agent, PASSWORD).status_code == 200
    assert rows(session_factory, ThrottleScope.ACCOUNT) == []  # the right password clears


def test_a_parallel_burst_gets_exactly_the_allowance(two_apis, session_factory):
    with transaction(session_factory) as session:
        agent = make_user(session).email
    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(
            pool.map(lambda n: token(two_apis[n % 2], agent, "wrong").status_code, range(40))
        )
    # FREE attempts check the password (401); the one that uses up the allowance and every
    # other is refused (429), whichever process and however they interleave.
    assert sorted(answers) == [401] * FREE + [429] * (40 - FREE), answers
    (row,) = rows(session_factory, ThrottleScope.ACCOUNT_ADDRESS)
    assert row.failures == FREE + 1


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(two_apis, session_factory):
    with transaction(session_factory) as session:
        agent = make_user(session).email
    for n in range(FREE + 1):
        forged = {"X-Forwarded-For": f"203.0.113.{n}"}
        token(two_apis[0], agent, "wrong", headers=forged)
    assert (
        token(two_apis[0], agent, PASSWORD, headers={"X-Forwarded-For": "1.2.3.4"}).status_code
        == 429
    )
    assert {row.key for row in rows(session_factory, ThrottleScope.ADDRESS)} == {"127.0.0.1"}


def test_behind_a_trusted_proxy_only_the_guessers_address_is_locked(behind_proxy, session_factory):
    with transaction(session_factory) as session:
        agent = make_user(session).email
    guesser = {"X-Forwarded-For": "198.51.100.7"}
    # A client that writes its own X-Forwarded-For: the proxy appends the real hop on the right.
    forging = {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
    for headers in [guesser] * FREE + [forging]:
        token(behind_proxy, agent, "wrong", headers=headers)
    assert token(behind_proxy, agent, PASSWORD, headers=guesser).status_code == 429
    owner = token(behind_proxy, agent, PASSWORD, headers={"X-Forwarded-For": "192.0.2.10"})
    assert owner.status_code == 200, owner.text
    keys = {row.key for row in rows(session_factory, ThrottleScope.ADDRESS)}
    assert keys == {"198.51.100.7", "192.0.2.10"}


def test_a_known_device_passes_the_account_wide_lock(behind_proxy, session_factory):
    with transaction(session_factory) as session:
        agent = make_user(session).email
    with httpx.Client(base_url=behind_proxy, timeout=30) as laptop:
        home = {"X-Forwarded-For": "192.0.2.10"}
        assert web_sign_in(laptop, agent, PASSWORD).status_code == 303
        assert "sw_device" in laptop.cookies
        # Guessing from many addresses, each within its own allowance, locks the account.
        for n in range(FREE * throttle.ACCOUNT_FACTOR + 1):
            token(behind_proxy, agent, "wrong", headers={"X-Forwarded-For": f"203.0.113.{n}"})
        stranger = token(behind_proxy, agent, PASSWORD, headers={"X-Forwarded-For": "192.0.2.99"})
        assert stranger.status_code == 429
        laptop.cookies.delete("sw_session")
        csrf = csrf_of(laptop.get("/sign-in").text)
        form = {"email": agent, "password": PASSWORD, "csrf_token": csrf, "next": "/"}
        assert laptop.post("/sign-in", data=form, headers=home).status_code == 303


def test_each_attempt_past_the_allowance_doubles_the_lock(session_factory, settings):
    settings = settings.model_copy(update={"signin_free_failures": 2, "signin_lock_max_s": 5})
    lengths = []
    for _ in range(6):
        with transaction(session_factory) as session:
            outcome = throttle.admit(
                session, email="a@b.c", address="10.0.0.1", known_device=False, settings=settings
            )
            assert isinstance(outcome, throttle.Admitted)
        with transaction(session_factory) as session:  # the lock has passed: the next may try
            row = session.scalars(
                select(SignInThrottle).where(SignInThrottle.scope == ThrottleScope.ACCOUNT_ADDRESS)
            ).one()
            lock = row.locked_until - row.last_failure_at if row.locked_until else timedelta(0)
            lengths.append(lock.total_seconds())
            row.locked_until = row.last_failure_at
    assert lengths == [0, 0, 1, 2, 4, 5]


def test_an_address_trying_many_accounts_is_locked(session_factory, settings):
    settings = settings.model_copy(update={"signin_free_failures": 2})
    allowance = 2 * throttle.ADDRESS_FACTOR
    for n in range(allowance):
        with transaction(session_factory) as session:
            outcome = throttle.admit(
                session,
                email=f"u{n}@x.y",
                address="10.0.0.9",
                known_device=False,
                settings=settings,
            )
            assert outcome == throttle.Admitted(None)
    with transaction(session_factory) as session:
        last = throttle.admit(
            session, email="fresh@x.y", address="10.0.0.9", known_device=False, settings=settings
        )
        assert isinstance(last, throttle.Admitted) and last.lock is not None
        assert isinstance(
            throttle.admit(
                session, email="other@x.y", address="10.0.0.9", known_device=True, settings=settings
            ),
            throttle.Locked,
        )
        elsewhere = throttle.admit(
            session, email="fresh@x.y", address="10.0.0.10", known_device=False, settings=settings
        )
        assert elsewhere == throttle.Admitted(None)
