"""Users, sign-in, tokens and daily quotas; the caller owns the transaction."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from accounts.models import AuthToken, Role, TokenKind, User
from accounts.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from core.db import rowcount, utcnow
from core.errors import Conflict, Invalid
from core.settings import Settings

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Verified against when the email is unknown, so both paths cost one argon2 check.
_DUMMY_HASH = hash_password("stagewright-timing-equaliser")


def normalise_email(email: str) -> str:
    """Lower-cased and trimmed; raises Invalid when it is not an address."""
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise Invalid(f"'{email}' is not a valid email address", field="email")
    return email


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str = "",
    role: Role = Role.AGENT,
    daily_quota: int | None = None,
) -> User:
    """A new active user; raises Conflict when the email is taken."""
    email = normalise_email(email)
    _check_password(password)
    if daily_quota is not None and daily_quota < 0:
        raise Invalid("the daily quota cannot be negative", field="daily_quota")
    if get_user_by_email(session, email) is not None:
        raise Conflict(f"a user with email {email} already exists", field="email")
    user = User(
        email=email,
        name=(name.strip() or email.split("@")[0])[:120],
        password_hash=hash_password(password),
        role=role,
        daily_quota=daily_quota,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with these credentials, else None (same cost either way)."""
    user = get_user_by_email(session, email)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.is_active:
        return None
    return user


def issue_token(
    session: Session,
    *,
    user: User,
    kind: TokenKind,
    expires_in: timedelta | None,
    name: str = "",
) -> str:
    """Store a new token's digest and return the plain token (shown once)."""
    plain = new_token()
    session.add(
        AuthToken(
            user_id=user.id,
            kind=kind,
            token_hash=hash_token(plain),
            name=name[:120],
            expires_at=utcnow() + expires_in if expires_in is not None else None,
        )
    )
    session.flush()
    return plain


def resolve_token(session: Session, plain: str, *, kind: TokenKind) -> User | None:
    """The active user a live token of this kind belongs to, else None."""
    if not plain:
        return None
    token = session.scalar(
        select(AuthToken).where(AuthToken.token_hash == hash_token(plain), AuthToken.kind == kind)
    )
    now = utcnow()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    user = token.user
    if not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return user


def revoke_token(session: Session, plain: str) -> bool:
    """Delete a token; True when it existed."""
    result = session.execute(delete(AuthToken).where(AuthToken.token_hash == hash_token(plain)))
    return bool(rowcount(result))


def revoke_all_tokens(session: Session, *, user: User) -> int:
    """Sign a user out everywhere."""
    result = session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    session.expire(user, ["tokens"])
    return rowcount(result)


def _ensure_another_admin(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
    )
    if user.role is Role.ADMIN and user.is_active and not others:
        raise Conflict(f"{user.email} is the last active admin; promote another admin first")


def set_role(session: Session, *, user: User, role: Role) -> None:
    if role is not Role.ADMIN:
        _ensure_another_admin(session, user)
    user.role = role
    session.flush()


def set_active(session: Session, *, user: User, active: bool) -> None:
    """Deactivating signs the user out everywhere."""
    if not active:
        _ensure_another_admin(session, user)
        revoke_all_tokens(session, user=user)
    user.is_active = active
    session.flush()


def reset_password(session: Session, *, user: User, password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    _check_password(password)
    user.password_hash = hash_password(password)
    revoke_all_tokens(session, user=user)
    session.flush()


def list_users(
    session: Session,
    *,
    search: str = "",
    role: Role | None = None,
    active: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[User], int]:
    """Users by email for the admin table, and how many match in all."""
    query = select(User)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern), User.name.ilike(pattern)))
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = session.scalars(query.order_by(User.email).limit(limit).offset(offset)).all()
    return list(users), total


def day_start(now: datetime) -> datetime:
    """UTC midnight at the start of `now`'s day."""
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def quota_resets_at(now: datetime | None = None) -> datetime:
    """The next UTC midnight, when daily quotas start over."""
    return day_start(now or utcnow()) + timedelta(days=1)


def describe_reset(resets: datetime, now: datetime | None = None) -> str:
    """When the quota resets, as a person says it: "at midnight UTC, in 5 h 12 min"."""
    minutes = max(1, int((resets - (now or utcnow())).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"at midnight UTC, in {span}"


def quota_for(user: User, settings: Settings) -> int:
    """Jobs a day this user may submit: their own limit, else the DAILY_QUOTA setting."""
    return settings.daily_quota if user.daily_quota is None else user.daily_quota
