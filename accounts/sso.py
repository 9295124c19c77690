"""Single sign-on's records: the sign-ins under way (each taken once), the role a provider's
claim maps to, and the user a provider's identity is, made or linked on first use. The caller
owns the transaction."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from accounts.models import OidcSignIn, Role, User
from accounts.oidc import Identity
from accounts.security import hash_token
from accounts.service import get_user_by_email, normalise_email, set_role
from core.db import utcnow
from core.errors import Conflict, Invalid
from core.settings import Settings, comma_list

log = logging.getLogger(__name__)

SIGN_IN_TTL = timedelta(minutes=10)
"""How long the provider's page may take: a callback later than this is refused."""
NO_PASSWORD = "!sso"  # noqa: S105 - not an argon2 hash, so no password ever matches it


class SsoRefused(Exception):
    """The provider vouched for someone this deployment does not let in; says why, in words."""


@dataclass(frozen=True)
class Started:
    """A sign-in begun: the values the provider round-trip carries, and the browser's binding."""

    state: str
    nonce: str
    code_verifier: str
    browser: str


def start_sign_in(session: Session, *, next_url: str) -> Started:
    """Record a sign-in under way; forgets the ones whose time ran out."""
    session.execute(delete(OidcSignIn).where(OidcSignIn.created_at < utcnow() - SIGN_IN_TTL))
    started = Started(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        browser=secrets.token_urlsafe(32),
    )
    session.add(
        OidcSignIn(
            state_hash=hash_token(started.state),
            browser_hash=hash_token(started.browser),
            nonce=started.nonce,
            code_verifier=started.code_verifier,
            next_url=next_url,
        )
    )
    session.flush()
    return started


def take_sign_in(session: Session, *, state: str, browser: str) -> OidcSignIn | None:
    """The sign-in this state began, removed so that it cannot be used again; None when it is
    unknown, used, out of time, or began in another browser."""
    row = session.scalar(
        delete(OidcSignIn).where(OidcSignIn.state_hash == hash_token(state)).returning(OidcSignIn)
    )
    if row is None or row.created_at < utcnow() - SIGN_IN_TTL:
        return None
    return row if secrets.compare_digest(row.browser_hash, hash_token(browser)) else None


def claim_values(claims: dict[str, Any], name: str) -> list[str]:
    """A claim as a list of strings: a string, or a list of them (other values are ignored)."""
    value = claims.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_role(claims: dict[str, Any], settings: Settings) -> Role | None:
    """The highest role OIDC_ROLE_MAP gives the claim's values; None when it maps none."""
    mapping = settings.oidc_role_map
    values = claim_values(claims, settings.oidc_role_claim)
    roles = [Role(mapping[value]) for value in values if value in mapping]
    return max(roles, key=lambda role: role.rank) if roles else None


def _checked_email(identity: Identity, settings: Settings) -> str:
    try:
        email = normalise_email(identity.email)
    except Invalid as exc:
        raise SsoRefused("The sign-in provider sent no usable email address for you.") from exc
    domains = comma_list(settings.oidc_allowed_domains)
    if domains and email.rpartition("@")[2] not in domains:
        raise SsoRefused(
            f"Accounts at {email.rpartition('@')[2]} may not sign in here. "
            "Use your brokerage account."
        )
    return email


def user_for(session: Session, identity: Identity, settings: Settings) -> User:
    """The user this identity is: by issuer and subject, else the user with its verified email
    (linked now), else a new one. A mapped claim sets the role at every sign-in; without one a
    new user gets OIDC_DEFAULT_ROLE and a known one keeps the role the console gave them."""
    email = _checked_email(identity, settings)
    role = mapped_role(identity.claims, settings)
    if role is None and not settings.oidc_default_role:
        raise SsoRefused(
            "Your account at the sign-in provider is in none of the groups "
            f"({settings.oidc_role_claim}) that may use Stagewright. Ask your admin to add you."
        )
    user = session.scalar(
        select(User).where(
            User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject
        )
    )
    if user is None:
        if not (identity.email_verified or settings.oidc_trust_unverified_email):
            raise SsoRefused("The sign-in provider has not verified your email address.")
        user = get_user_by_email(session, email)
        if user is not None and user.oidc_subject is not None:
            raise SsoRefused(
                f"{email} is already linked to another account at the sign-in provider. "
                "Ask an admin."
            )
    if user is None:
        user = User(
            email=email,
            name=(identity.name or email.split("@")[0])[:120],
            password_hash=NO_PASSWORD,
            role=role or Role(settings.oidc_default_role),
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
        )
        session.add(user)
        session.flush()
        log.info("sso user created", extra={"user_id": user.id, "role": user.role.value})
        return user
    if user.oidc_subject is None:
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        log.info("sso identity linked", extra={"user_id": user.id})
    if not user.is_active:
        return user
    if role is not None and user.role is not role:
        try:
            set_role(session, user=user, role=role)
        except Conflict:
            log.warning("sso kept the last admin's role", extra={"user_id": user.id})
    session.flush()
    return user
