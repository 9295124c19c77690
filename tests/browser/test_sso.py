"""Single sign-on in real Chromium against a real OpenID provider (oidc-provider under Node):
the happy path with its mapped role, linking to an existing user, and each refusal as a clear
4xx page that sets no session cookie. Passwords are switched off here but for the break-glass
admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from accounts.models import AuthToken, Role, User
from accounts.service import get_user_by_email, set_active
from tests.browser.conftest import bound_listener, serve
from tests.support.browser import ADMIN, AGENT, LiveServer, axe_violations
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

if TYPE_CHECKING:
    from playwright._impl._api_structures import SetCookieParam

ACCOUNTS = {
    "ava": {"email": "ava@brokerage.test", "email_verified": True, "name": "Ava Agent",
            "groups": ["staging-agents", "everyone"]},
    "mo": {"email": "mo@brokerage.test", "email_verified": True, "name": "Mo Merch",
           "groups": ["staging-agents", "staging-merch"]},
    "demo-agent": {"email": AGENT[0], "email_verified": True, "name": "Demo Agent",
                   "groups": ["staging-agents"]},
    "eve": {"email": "eve@elsewhere.test", "email_verified": True, "name": "Eve",
            "groups": ["staging-agents"]},
    "gus": {"email": "gus@brokerage.test", "email_verified": True, "name": "Gus",
            "groups": ["everyone"]},
}  # fmt: skip
PROVIDER_NAME = "Brokerage SSO"
SESSION = "sw_session"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OidcProvider, object]]:
    listener = bound_listener()
    redirect_uri = f"http://127.0.0.1:{listener.getsockname()[1]}/sso/callback"
    root = tmp_path_factory.mktemp("sso")
    with OidcProvider(root, redirect_uri=redirect_uri, accounts=ACCOUNTS) as idp:
        yield idp, listener


@pytest.fixture(scope="module")
def sso_server(
    provider: tuple[OidcProvider, object], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    idp, listener = provider
    yield from serve(
        tmp_path_factory.mktemp("sso-app"),
        with_worker=False,
        listener=listener,  # type: ignore[arg-type]
        OIDC_ISSUER=idp.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_PROVIDER_NAME=PROVIDER_NAME,
        OIDC_SCOPES="openid email profile groups",
        OIDC_ROLE_MAP="staging-agents=agent,staging-merch=merchandiser",
        OIDC_ALLOWED_DOMAINS="brokerage.test, stagewright.local",
        OIDC_TIMEOUT_S="5",
        PASSWORD_SIGN_IN="false",
        BREAK_GLASS_EMAILS=ADMIN[0],
    )


@pytest.fixture
def idp(provider: tuple[OidcProvider, object]) -> Iterator[OidcProvider]:
    yield provider[0]
    provider[0].misbehave("honest")


@pytest.fixture
def context(browser: Browser, sso_server: LiveServer) -> Iterator[BrowserContext]:
    sso_server.assert_alive()
    context = browser.new_context(base_url=sso_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _session_cookie(context: BrowserContext) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == SESSION), None)


def _to_provider(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    page.locator("input[name=login]").wait_for()


def _sso(page: Page, login: str, *, started: bool = False) -> int:
    """Sign in at the provider as `login`; the status the app's callback answered."""
    if not started:
        _to_provider(page)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    with page.expect_response(lambda r: "/sso/callback" in r.url) as callback:
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    return callback.value.status


def test_an_agent_signs_in_with_sso_and_lands_with_the_mapped_role(
    context: BrowserContext, sso_server: LiveServer
):
    page = context.new_page()
    assert _sso(page, "ava") == 303
    expect(page.locator(".user-menu")).to_contain_text("Ava Agent")
    expect(page.locator(".user-menu")).to_contain_text("(agent)")
    assert _session_cookie(context)
    with sso_server.sessions() as session:
        user = get_user_by_email(session, "ava@brokerage.test")
        assert user is not None and user.role is Role.AGENT
        assert user.oidc_subject == "ava" and user.oidc_issuer

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{sso_server.url}/sign-in")
    assert not _session_cookie(context)
    with sso_server.sessions() as session:
        tokens = session.scalars(select(AuthToken).where(AuthToken.user_id == user.id)).all()
        assert tokens == []


def test_the_highest_mapped_group_wins(context: BrowserContext, sso_server: LiveServer):
    page = context.new_page()
    assert _sso(page, "mo") == 303
    expect(page.locator(".user-menu")).to_contain_text("(merchandiser)")
    assert not axe_violations(page)
    response = page.goto("/admin/styles")
    assert response is not None and response.status == 200


def test_first_sign_in_links_the_existing_user_by_verified_email(
    context: BrowserContext, sso_server: LiveServer
):
    with sso_server.sessions() as session:
        before = get_user_by_email(session, AGENT[0])
        assert before is not None and before.oidc_subject is None
    page = context.new_page()
    assert _sso(page, "demo-agent") == 303
    with sso_server.sessions() as session:
        after = get_user_by_email(session, AGENT[0])
        assert after is not None and after.id == before.id
        assert after.oidc_subject == "demo-agent"
        assert session.query(User).filter(User.email == AGENT[0]).count() == 1


def test_deactivating_an_sso_user_ends_their_session_at_once(
    browser: Browser, context: BrowserContext, sso_server: LiveServer
):
    page = context.new_page()
    assert _sso(page, "ava") == 303
    with sso_server.sessions.begin() as session:
        user = get_user_by_email(session, "ava@brokerage.test")
        assert user is not None
        set_active(session, user=user, active=False)
    try:
        page.goto("/jobs")
        expect(page).to_have_url(f"{sso_server.url}/sign-in?next=/jobs")
        second = browser.new_context(base_url=sso_server.url)
        try:
            again = second.new_page()
            assert _sso(again, "ava") == 403
            expect(again.get_by_role("heading", level=1)).to_have_text("Account deactivated")
            assert not _session_cookie(second)
        finally:
            second.close()
    finally:
        with sso_server.sessions.begin() as session:
            user = get_user_by_email(session, "ava@brokerage.test")
            assert user is not None
            set_active(session, user=user, active=True)


UNVERIFIED = (401, "Sign-in could not be verified", "did not pass our checks")


@pytest.mark.parametrize(
    ("mode", "login", "answer"),
    [
        ("wrong_audience", "ava", UNVERIFIED),
        ("expired", "ava", UNVERIFIED),
        ("bad_signature", "ava", UNVERIFIED),
        ("wrong_nonce", "ava", UNVERIFIED),
        ("honest", "eve", (403, "Not allowed to sign in", "elsewhere.test may not sign in here")),
        ("honest", "gus", (403, "Not allowed to sign in", "in none of the groups (groups)")),
    ],
)
def test_a_refused_sign_in_is_a_clear_page_and_no_session(
    context: BrowserContext, sso_server: LiveServer, idp: OidcProvider, mode, login, answer
):
    status, heading, says = answer
    idp.misbehave(mode)
    page = context.new_page()
    assert _sso(page, login) == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("main")).to_contain_text(says)
    expect(page.get_by_role("link", name="Sign in again")).to_be_visible()
    assert not _session_cookie(context)
    if login == "ava":  # checked before anything was written
        with sso_server.sessions() as session:
            user = get_user_by_email(session, "ava@brokerage.test")
            assert user is None or user.oidc_subject == "ava"


def test_a_replayed_callback_is_refused(
    browser: Browser, context: BrowserContext, sso_server: LiveServer
):
    page = context.new_page()
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/sso/callback" in r.url else None)
    _to_provider(page)
    binding = [cookie for cookie in context.cookies() if cookie["name"] == "sw_sso"]
    assert _sso(page, "ava", started=True) == 303
    assert callbacks and binding
    page.get_by_role("button", name="Sign out").click()

    # The same browser, its binding cookie as it was.
    context.add_cookies(cast("list[SetCookieParam]", binding))
    response = page.goto(callbacks[0])
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in link expired")
    assert not _session_cookie(context)

    elsewhere = browser.new_context()
    try:
        response = elsewhere.new_page().goto(callbacks[0])
        assert response is not None and response.status == 400
        assert not _session_cookie(elsewhere)
    finally:
        elsewhere.close()


def test_passwords_are_off_but_for_the_break_glass_admin(
    context: BrowserContext, sso_server: LiveServer
):
    page = context.new_page()
    page.goto("/sign-in")
    expect(page.get_by_label("Password")).to_be_hidden()  # folded away
    assert not axe_violations(page)
    page.get_by_text("Break-glass sign-in").click()
    assert not axe_violations(page)
    page.get_by_label("Email").fill(AGENT[0])
    page.get_by_label("Password").fill(AGENT[1])
    page.get_by_role("button", name="Sign in with a password").click()
    expect(page.get_by_role("alert")).to_contain_text("Passwords are switched off")
    assert not _session_cookie(context)

    api = httpx.post(
        f"{sso_server.url}/api/v1/auth/token",
        json={"email": AGENT[0], "password": AGENT[1]},
        timeout=10,
    )
    assert api.status_code == 403 and api.json()["error"]["code"] == "password_sign_in_off"

    expect(page.get_by_label("Email")).to_have_value(AGENT[0])  # still open, as sent
    page.get_by_label("Email").fill(ADMIN[0])
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Sign in with a password").click()
    expect(page.locator(".user-menu")).to_contain_text("(admin)")
    assert _session_cookie(context)
