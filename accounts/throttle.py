"""Sign-in throttling, kept in the database so that every API process shares it.

Every attempt is counted before its password is checked, by one statement per key that also
refuses it while the key is locked, so parallel attempts cannot slip past the count. Three keys:

- an account from one address: `signin_free_failures` attempts, then locks that grow (each one
  twice the last, up to the maximum). Someone guessing from elsewhere locks only themselves.
- an address, over all accounts: ADDRESS_FACTOR times as many (an office shares one address).
- an account, from everywhere: ACCOUNT_FACTOR times as many, against guessing from many
  addresses. A browser that signed in to the account before (a known device) is not held by it,
  so this lock never shuts the right password out.

A right password takes its attempt back: the account's counts are cleared, the address's
lowered by one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from accounts.models import SignInThrottle, ThrottleScope
from core.db import UTCDateTime, rowcount, utcnow
from core.settings import Settings

log = logging.getLogger(__name__)

ADDRESS_FACTOR = 4
ACCOUNT_FACTOR = 10
FACTORS = {
    ThrottleScope.ACCOUNT_ADDRESS: 1,
    ThrottleScope.ADDRESS: ADDRESS_FACTOR,
    ThrottleScope.ACCOUNT: ACCOUNT_FACTOR,
}
# Failures older than this are forgotten when the next one comes.
FORGET_AFTER = timedelta(days=1)
MAX_KEY_CHARS = 254
MAX_LISTED = 200


@dataclass(frozen=True)
class Locked:
    """Sign-in is refused for now; `retry_after_s` says for how long."""

    retry_after_s: int


@dataclass(frozen=True)
class Admitted:
    """An attempt that may check its password; `lock` is set when this attempt used up the
    allowance (a wrong password then answers with the lock at once)."""

    lock: Locked | None


def keys(email: str, address: str, *, known_device: bool) -> list[tuple[ThrottleScope, str]]:
    """The keys one attempt counts against, the narrowest first."""
    email = email.strip().lower()[:MAX_KEY_CHARS]
    address = (address or "unknown")[:64]
    pair = f"{email[: MAX_KEY_CHARS - len(address) - 1]} {address}"
    found = [(ThrottleScope.ACCOUNT_ADDRESS, pair), (ThrottleScope.ADDRESS, address)]
    return found if known_device else [*found, (ThrottleScope.ACCOUNT, email)]


def lock_seconds(over: int, settings: Settings) -> float:
    """The lock after `over` attempts past the allowance: base, twice base, ... up to the max."""
    if over <= 0:
        return 0.0
    return min(settings.signin_lock_max_s, settings.signin_lock_base_s * 2 ** min(over - 1, 30))


def _lock_until(
    attempts: ColumnElement[int], allowance: int, now: datetime, settings: Settings
) -> ColumnElement[datetime | None]:
    """When the key locks after `attempts` (NULL within the allowance), as SQL."""
    steps, over = [], 1
    while True:
        seconds = lock_seconds(over, settings)
        moment = literal(now + timedelta(seconds=seconds), UTCDateTime())
        steps.append((attempts == allowance + over, moment))
        if seconds >= settings.signin_lock_max_s:
            break
        over += 1
    return case((attempts <= allowance, None), *steps, else_=moment)


def _count(
    session: Session, scope: ThrottleScope, key: str, now: datetime, settings: Settings
) -> tuple[int, datetime | None] | None:
    """Count an attempt against one key unless it is locked: (attempts, locked until), or None
    when locked. One statement: concurrent attempts queue on the row and each sees the last."""
    allowance = settings.signin_free_failures * FACTORS[scope]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    attempts = case(
        (SignInThrottle.last_failure_at < now - FORGET_AFTER, 1),
        else_=SignInThrottle.failures + 1,
    )
    statement = (
        insert(SignInThrottle)
        .values(scope=scope, key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=["scope", "key"],
            set_={
                "failures": attempts,
                "last_failure_at": now,
                "locked_until": _lock_until(attempts, allowance, now, settings),
            },
            where=or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until <= now),
        )
        .returning(SignInThrottle.failures, SignInThrottle.locked_until)
    )
    row = session.execute(statement).first()
    return None if row is None else (row.failures, row.locked_until)


def admit(
    session: Session, *, email: str, address: str, known_device: bool, settings: Settings
) -> Admitted | Locked:
    """Count an attempt against each key, narrowest first; Locked at the first locked one."""
    now = utcnow()
    lock: Locked | None = None
    for scope, key in keys(email, address, known_device=known_device):
        counted = _count(session, scope, key, now, settings)
        if counted is None:
            return _locked(session, scope, key, now)
        attempts, until = counted
        if until is not None and (lock is None or _seconds(until, now) > lock.retry_after_s):
            log.warning(
                "sign-in locked",
                extra={"scope": scope.value, "key": key, "failures": attempts},
            )
            lock = Locked(_seconds(until, now))
    return Admitted(lock)


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _locked(session: Session, scope: ThrottleScope, key: str, now: datetime) -> Locked:
    until = session.scalar(
        select(SignInThrottle.locked_until).where(
            SignInThrottle.scope == scope, SignInThrottle.key == key
        )
    )
    return Locked(_seconds(until, now) if until else 1)


def forgive(session: Session, *, email: str, address: str) -> None:
    """A right password: clear the account's counts and take this attempt off the address's."""
    for scope, key in keys(email, address, known_device=False):
        row = SignInThrottle.scope == scope, SignInThrottle.key == key
        if scope is ThrottleScope.ADDRESS:
            session.execute(
                update(SignInThrottle)
                .where(*row)
                .values(
                    failures=case(
                        (SignInThrottle.failures > 0, SignInThrottle.failures - 1), else_=0
                    )
                )
            )
        else:
            session.execute(delete(SignInThrottle).where(*row))


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
