"""Single sign-on's records on both databases: role mapping, just-in-time users, linking by
verified email, and sign-ins under way taken once by the browser that began them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from accounts.models import OidcSignIn, Role, User
from accounts.oidc import Identity
from accounts.service import authenticate
from accounts.sso import (
    NO_PASSWORD,
    SsoRefused,
    mapped_role,
    start_sign_in,
    take_sign_in,
    user_for,
)
from core.db import utcnow
from core.settings import Settings
from tests.factories import PASSWORD, make_user

ISSUER = "https://idp.example.com"


@pytest.fixture
def sso(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "oidc_issuer": ISSUER,
            "oidc_client_id": "stagewright",
            "oidc_role_map": {"staff": "agent", "merch": "merchandiser", "it": "admin"},
            "oidc_allowed_domains": "brokerage.com",
        }
    )


def identity(subject: str, email: str, *, verified: bool = True, groups=("staff",)) -> Identity:
    claims = {"sub": subject, "email": email, "email_verified": verified, "groups": list(groups)}
    return Identity(ISSUER, subject, {**claims, "name": subject.title()})


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"groups": ["staff"]}, Role.AGENT),
        ({"groups": ["merch", "staff"]}, Role.MERCHANDISER),
        ({"groups": ["staff", "it", "merch"]}, Role.ADMIN),
        ({"groups": "merch"}, Role.MERCHANDISER),  # a single string
        ({"groups": ["merch", 7, None]}, Role.MERCHANDISER),  # other values are ignored
    ],
)
def test_the_highest_mapped_role_wins(sso: Settings, claims, role):
    assert mapped_role(claims, sso) is role


@pytest.mark.parametrize("groups", [[], ["other"], [3]])
def test_no_mapped_group_is_refused_unless_there_is_a_default(
    session_factory, sso: Settings, groups
):
    with session_factory.begin() as session:
        make_user(session, email="amy@brokerage.com", role=Role.MERCHANDISER)
    with session_factory() as session:
        assert mapped_role({"groups": groups}, sso) is None
        for email in ("amy@brokerage.com", "new@brokerage.com"):
            with pytest.raises(SsoRefused, match="none of the groups"):
                user_for(session, identity(email, email, groups=groups), sso)
        floor = sso.model_copy(update={"oidc_default_role": "agent"})
        known = user_for(session, identity("amy", "amy@brokerage.com", groups=groups), floor)
        assert known.role is Role.MERCHANDISER  # the console's role stands
        new = user_for(session, identity("new", "new@brokerage.com", groups=groups), floor)
        assert new.role is Role.AGENT


def test_another_claim_can_carry_the_role(sso: Settings):
    other = sso.model_copy(update={"oidc_role_claim": "roles", "oidc_role_map": {"Admin": "admin"}})
    assert mapped_role({"roles": ["Admin"], "groups": ["staff"]}, other) is Role.ADMIN


def test_first_sign_in_creates_a_user_without_a_password(session_factory, sso: Settings):
    with session_factory.begin() as session:
        user = user_for(session, identity("s-1", "New.Agent@Brokerage.com"), sso)
        assert (user.email, user.role, user.name) == ("new.agent@brokerage.com", Role.AGENT, "S-1")
        assert (user.oidc_issuer, user.oidc_subject) == (ISSUER, "s-1")
        assert user.password_hash == NO_PASSWORD
    with session_factory() as session:
        for password in ("", NO_PASSWORD, "!sso"):
            assert authenticate(session, email="new.agent@brokerage.com", password=password) is None
        again = user_for(session, identity("s-1", "new.agent@brokerage.com"), sso)
        assert again.id == user.id
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_a_verified_email_links_the_existing_user_and_keeps_the_password(
    session_factory, sso: Settings
):
    with session_factory.begin() as session:
        local = make_user(session, email="pat@brokerage.com", role=Role.AGENT)
    with session_factory.begin() as session:
        user = user_for(session, identity("s-2", "pat@brokerage.com", groups=["merch"]), sso)
        assert user.id == local.id and user.oidc_subject == "s-2"
        assert user.role is Role.MERCHANDISER  # the claim decides, at every sign-in
    with session_factory.begin() as session:
        assert authenticate(session, email="pat@brokerage.com", password=PASSWORD) is not None
        user = user_for(session, identity("s-2", "pat@brokerage.com", groups=["staff"]), sso)
        assert user.role is Role.AGENT


def test_an_unverified_email_neither_links_nor_creates(session_factory, sso: Settings):
    with session_factory.begin() as session:
        make_user(session, email="kim@brokerage.com")
    with session_factory() as session:
        with pytest.raises(SsoRefused, match="not verified"):
            user_for(session, identity("s-3", "kim@brokerage.com", verified=False), sso)
        with pytest.raises(SsoRefused, match="not verified"):
            user_for(session, identity("s-4", "lee@brokerage.com", verified=False), sso)
        trusting = sso.model_copy(update={"oidc_trust_unverified_email": True})
        user = user_for(session, identity("s-3", "kim@brokerage.com", verified=False), trusting)
        assert user.oidc_subject == "s-3"


def test_an_email_linked_to_another_subject_is_refused(session_factory, sso: Settings):
    with session_factory.begin() as session:
        user_for(session, identity("s-5", "max@brokerage.com"), sso)
    with session_factory() as session, pytest.raises(SsoRefused, match="already linked"):
        user_for(session, identity("s-6", "max@brokerage.com"), sso)


@pytest.mark.parametrize(
    "email", ["eve@elsewhere.com", "eve@brokerage.com.evil.io", "not-an-email"]
)
def test_emails_outside_the_allowed_domains_are_refused(session_factory, sso: Settings, email):
    with session_factory() as session:
        with pytest.raises(SsoRefused):
            user_for(session, identity("s-7", email), sso)
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_a_deactivated_user_stays_deactivated(session_factory, sso: Settings):
    with session_factory.begin() as session:
        make_user(session, email="ola@brokerage.com", is_active=False)
    with session_factory() as session:
        user = user_for(session, identity("s-8", "ola@brokerage.com"), sso)
        assert not user.is_active


def test_the_last_admin_keeps_the_role_a_claim_would_take(session_factory, sso: Settings):
    with session_factory.begin() as session:
        make_user(session, email="boss@brokerage.com", role=Role.ADMIN)
    with session_factory.begin() as session:
        user = user_for(session, identity("s-9", "boss@brokerage.com", groups=["staff"]), sso)
        assert user.role is Role.ADMIN


def test_a_sign_in_is_taken_once_and_only_by_its_browser(session_factory):
    with session_factory.begin() as session:
        started = start_sign_in(session, next_url="/jobs")
        other = start_sign_in(session, next_url="/")
    with session_factory.begin() as session:
        assert take_sign_in(session, state=started.state, browser=other.browser) is None
    with session_factory.begin() as session:  # a wrong browser spent it too
        assert take_sign_in(session, state=started.state, browser=started.browser) is None
    with session_factory.begin() as session:
        taken = take_sign_in(session, state=other.state, browser=other.browser)
        assert taken is not None
        assert (taken.nonce, taken.code_verifier) == (other.nonce, other.code_verifier)
    with session_factory.begin() as session:
        assert take_sign_in(session, state=other.state, browser=other.browser) is None
        assert take_sign_in(session, state="", browser="") is None


def test_a_late_sign_in_is_refused_and_old_ones_are_forgotten(session_factory):
    with session_factory.begin() as session:
        late = start_sign_in(session, next_url="/")
        session.execute(update(OidcSignIn).values(created_at=utcnow() - timedelta(minutes=11)))
    with session_factory.begin() as session:
        assert take_sign_in(session, state=late.state, browser=late.browser) is None
        stale = start_sign_in(session, next_url="/")
        session.execute(update(OidcSignIn).values(created_at=utcnow() - timedelta(hours=1)))
        start_sign_in(session, next_url="/")
        assert session.scalar(select(func.count()).select_from(OidcSignIn)) == 1
        assert take_sign_in(session, state=stale.state, browser=stale.browser) is None
