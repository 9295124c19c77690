"""Sign-in throttling per account and per client address, kept in the database so that every API
process shares it. Past a few free failures each one locks for twice as long as the one before."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from accounts.models import SignInThrottle, ThrottleScope
from core.db import rowcount, utcnow
from core.settings import Settings

log = logging.getLogger(__name__)

# An address is shared by an office behind one NAT: it gets this many times an account's allowance.
ADDRESS_ALLOWANCE_FACTOR = 4
# Failures older than this are forgotten when the next one comes.
FORGET_AFTER = timedelta(days=1)
MAX_LISTED = 200


@dataclass(frozen=True)
class Locked:
    """Sign-in is refused for now; `retry_after_s` says for how long."""

    retry_after_s: int


def _keys(email: str, address: str) -> list[tuple[ThrottleScope, str]]:
    return [
        (ThrottleScope.ACCOUNT, email.strip().lower()[:254]),
        (ThrottleScope.ADDRESS, (address or "unknown")[:254]),
    ]


def _allowance(scope: ThrottleScope, settings: Settings) -> int:
    factor = ADDRESS_ALLOWANCE_FACTOR if scope is ThrottleScope.ADDRESS else 1
    return settings.signin_free_failures * factor


def lock_seconds(failures: int, allowance: int, settings: Settings) -> float:
    """0 within the allowance, then base, twice base, four times base ... up to the maximum."""
    over = failures - allowance
    if over <= 0:
        return 0.0
    return min(settings.signin_lock_max_s, settings.signin_lock_base_s * 2 ** min(over - 1, 30))


def check(session: Session, *, email: str, address: str) -> Locked | None:
    """Locked when the account or the address is locked now."""
    now = utcnow()
    until = [
        session.scalar(
            select(SignInThrottle.locked_until).where(
                SignInThrottle.scope == scope, SignInThrottle.key == key
            )
        )
        for scope, key in _keys(email, address)
    ]
    latest = max((moment for moment in until if moment and moment > now), default=None)
    return Locked(max(1, math.ceil((latest - now).total_seconds()))) if latest else None


def record_failure(session: Session, *, email: str, address: str, settings: Settings) -> None:
    """Count a failed sign-in for the account and the address, locking either past its allowance."""
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for scope, key in _keys(email, address):
        # One statement, so concurrent failures from several processes all count.
        statement = (
            insert(SignInThrottle)
            .values(scope=scope, key=key, failures=1, last_failure_at=now)
            .on_conflict_do_update(
                index_elements=["scope", "key"],
                set_={
                    "failures": case(
                        (SignInThrottle.last_failure_at < now - FORGET_AFTER, 1),
                        else_=SignInThrottle.failures + 1,
                    ),
                    "last_failure_at": now,
                },
            )
            .returning(SignInThrottle.failures)
        )
        failures = session.execute(statement).scalar_one()
        seconds = lock_seconds(failures, _allowance(scope, settings), settings)
        if seconds:
            session.execute(
                update(SignInThrottle)
                .where(SignInThrottle.scope == scope, SignInThrottle.key == key)
                .values(locked_until=now + timedelta(seconds=seconds))
            )
            log.warning(
                "sign-in locked",
                extra={"scope": scope.value, "key": key, "failures": failures, "lock_s": seconds},
            )


def record_success(session: Session, *, email: str) -> None:
    """A right password clears the account's count (never the address's)."""
    scope, key = _keys(email, "")[0]
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.scope == scope, SignInThrottle.key == key)
    )


def list_throttles(session: Session) -> Sequence[SignInThrottle]:
    """Accounts and addresses with failed sign-ins, most recent first."""
    return session.scalars(
        select(SignInThrottle).order_by(SignInThrottle.last_failure_at.desc()).limit(MAX_LISTED)
    ).all()


def clear_throttle(session: Session, throttle_id: int) -> bool:
    """Forget an account's or address's failures and lift its lock; True when there was one."""
    result = session.execute(delete(SignInThrottle).where(SignInThrottle.id == throttle_id))
    return bool(rowcount(result))


def is_locked_now(row: SignInThrottle, now: datetime | None = None) -> bool:
    return row.locked_until is not None and row.locked_until > (now or utcnow())
