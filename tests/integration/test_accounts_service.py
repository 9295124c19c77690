"""Accounts service: users, passwords, tokens, roles, quotas."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import AuthToken, Role, TokenKind
from accounts.service import (
    authenticate,
    create_user,
    issue_token,
    list_users,
    quota_for,
    quota_resets_at,
    reset_password,
    resolve_token,
    revoke_token,
    set_active,
    set_role,
)
from core.db import utcnow
from core.errors import Conflict, Invalid
from jobs.usage import jobs_today
from tests.factories import make_job, make_style

GOOD_PASSWORD = "correct horse battery"


def test_create_user_normalises_and_validates(session_factory):
    with session_factory() as session:
        user = create_user(session, email="  Jane.Doe@Example.COM ", password=GOOD_PASSWORD)
        assert (user.email, user.name, user.role) == (
            "jane.doe@example.com",
            "jane.doe",
            Role.AGENT,
        )
        with pytest.raises(Conflict):
            create_user(session, email="JANE.DOE@example.com", password=GOOD_PASSWORD)
        with pytest.raises(Invalid) as info:
            create_user(session, email="not-an-email", password=GOOD_PASSWORD)
        assert info.value.field == "email"
        with pytest.raises(Invalid) as info:
            create_user(session, email="short@example.com", password="short")
        assert info.value.field == "password"


def test_authenticate(session_factory):
    with session_factory() as session:
        user = create_user(session, email="a@example.com", password=GOOD_PASSWORD)
        assert authenticate(session, email="A@example.com ", password=GOOD_PASSWORD) is user
        assert authenticate(session, email="a@example.com", password="wrong password") is None
        assert authenticate(session, email="b@example.com", password=GOOD_PASSWORD) is None
        user.is_active = False
        assert authenticate(session, email="a@example.com", password=GOOD_PASSWORD) is None


def test_tokens(session_factory):
    with session_factory() as session:
        user = create_user(session, email="t@example.com", password=GOOD_PASSWORD)
        plain = issue_token(session, user=user, kind=TokenKind.API, expires_in=timedelta(hours=1))
        stored = session.query(AuthToken).one()
        assert plain not in (stored.token_hash, stored.name) and len(stored.token_hash) == 64

        assert resolve_token(session, plain, kind=TokenKind.API) is user
        assert resolve_token(session, plain, kind=TokenKind.SESSION) is None
        first_use = stored.last_used_at
        assert first_use is not None
        resolve_token(session, plain, kind=TokenKind.API)
        assert stored.last_used_at == first_use  # written at most once a minute
        stored.last_used_at = first_use - timedelta(minutes=2)
        resolve_token(session, plain, kind=TokenKind.API)
        assert stored.last_used_at > first_use

        stored.expires_at = utcnow() - timedelta(seconds=1)
        assert resolve_token(session, plain, kind=TokenKind.API) is None
        stored.expires_at = None
        user.is_active = False
        assert resolve_token(session, plain, kind=TokenKind.API) is None
        user.is_active = True
        assert revoke_token(session, plain) is True
        assert resolve_token(session, plain, kind=TokenKind.API) is None
        assert revoke_token(session, plain) is False


def test_reset_password_and_deactivation_sign_out(session_factory):
    with session_factory() as session:
        create_user(session, email="admin@example.com", password=GOOD_PASSWORD, role=Role.ADMIN)
        user = create_user(session, email="u@example.com", password=GOOD_PASSWORD)
        plain = issue_token(session, user=user, kind=TokenKind.SESSION, expires_in=None)
        reset_password(session, user=user, password="a brand new password")
        assert resolve_token(session, plain, kind=TokenKind.SESSION) is None
        assert authenticate(session, email="u@example.com", password="a brand new password")
        with pytest.raises(Invalid):
            reset_password(session, user=user, password="short")

        plain = issue_token(session, user=user, kind=TokenKind.API, expires_in=None)
        set_active(session, user=user, active=False)
        set_active(session, user=user, active=True)
        assert resolve_token(session, plain, kind=TokenKind.API) is None


def test_last_admin_is_protected(session_factory):
    with session_factory() as session:
        admin = create_user(
            session, email="boss@example.com", password=GOOD_PASSWORD, role=Role.ADMIN
        )
        with pytest.raises(Conflict, match="last active admin"):
            set_role(session, user=admin, role=Role.AGENT)
        with pytest.raises(Conflict):
            set_active(session, user=admin, active=False)
        other = create_user(session, email="b2@example.com", password=GOOD_PASSWORD)
        set_role(session, user=other, role=Role.ADMIN)
        set_role(session, user=admin, role=Role.MERCHANDISER)
        assert admin.role is Role.MERCHANDISER


def test_list_users(session_factory):
    with session_factory() as session:
        for name in ("carol", "alice", "bob"):
            create_user(session, email=f"{name}@example.com", password=GOOD_PASSWORD, name=name)
        users, total = list_users(session, limit=2)
        assert total == 3 and [u.email for u in users] == ["alice@example.com", "bob@example.com"]
        users, total = list_users(session, search="CAR")
        assert [u.name for u in users] == ["carol"] and total == 1
        assert list_users(session, role=Role.ADMIN) == ([], 0)


def test_quota(session_factory, settings):
    with session_factory() as session:
        user = create_user(session, email="q@example.com", password=GOOD_PASSWORD)
        style = make_style(session)
        assert quota_for(user, settings) == settings.daily_quota
        user.daily_quota = 3
        assert quota_for(user, settings) == 3
        make_job(session, user=user, style=style)
        make_job(session, user=user, style=style, is_test=True)
        make_job(session, user=user, style=style, created_at=utcnow() - timedelta(days=1))
        assert jobs_today(session, user=user) == 1
        resets = quota_resets_at()
        assert resets > utcnow() and (resets.hour, resets.minute, resets.second) == (0, 0, 0)
