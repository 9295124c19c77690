"""Room type guesses asked for before a job exists: the API stores a photo, a worker answers.

The API never runs a model, so a guess is a tiny queue of its own: a row the API inserts
(with the jobs' NOTIFY, so an idle worker wakes), a worker claims with one statement and
answers with a fenced write. Nobody waits long for an answer: the page gives up after a
few seconds. Its photo goes as soon as its owner has read the answer (forget_photo), and
`retention.py --guesses-only`, run every GUESS_SWEEP_EVERY, deletes guesses older than
GUESS_RETENTION with their photos: no photo outlives the hour the API docs promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.models import User
from core.db import Base, UTCDateTime, enum_column, rowcount, utcnow
from core.errors import NotFound, QuotaExceeded
from core.images import NormalisedImage
from core.storage import Storage, StorageError, guess_photo_key, guess_prefix
from jobs.queue import Executor
from jobs.submit import hold_user, store_photo

GUESS_RETENTION = timedelta(minutes=50)
"""A guess is asked for while the agent picks photos; after this its row and photo go."""
GUESS_SWEEP_EVERY = timedelta(minutes=10)
"""How often ops run the guess sweep (OPERATIONS.md): retention plus this stays within the hour."""
GUESSES_PER_MINUTE = 60
"""Per user: a batch of 20 photos asks 20 times; more than this a minute is a script, not a page,
and each guess costs storage and a worker's time."""


class GuessState(StrEnum):
    """Where a room type guess is."""

    PENDING = "pending"  # waiting for a worker
    RUNNING = "running"  # claimed by locked_by
    ANSWERED = "answered"  # room_type holds the guess (None: the photo suggests nothing)
    FAILED = "failed"  # the worker could not read the photo or its model failed


class RoomGuess(Base):
    """One photo whose room type a worker is asked to guess."""

    __tablename__ = "room_guesses"
    __table_args__ = (
        Index(
            "ix_room_guesses_pending",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_room_guesses_created", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    photo_key: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[GuessState] = mapped_column(enum_column(GuessState), default=GuessState.PENDING)
    room_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def create_guess(
    session: Session, *, user: User, image: NormalisedImage, storage: Storage
) -> RoomGuess:
    """Insert a pending guess, store its photo and wake a worker (429 past GUESSES_PER_MINUTE,
    503 if storage fails)."""
    _refuse_past_the_rate(session, user)
    guess = RoomGuess(user_id=user.id, state=GuessState.PENDING)
    session.add(guess)
    session.flush()
    guess.photo_key = guess_photo_key(guess.id)
    store_photo(
        session, storage, key=guess.photo_key, data=image.data, prefix=guess_prefix(guess.id)
    )
    return guess


def _refuse_past_the_rate(session: Session, user: User) -> None:
    hold_user(session, user)  # the count and the insert after it cannot interleave with another
    since = utcnow() - timedelta(minutes=1)
    recent = select(func.count()).where(RoomGuess.user_id == user.id, RoomGuess.created_at > since)
    if (session.scalar(recent) or 0) >= GUESSES_PER_MINUTE:
        raise QuotaExceeded(
            f"at most {GUESSES_PER_MINUTE} room type guesses a minute; ask again in a minute",
            headers={"Retry-After": "60"},
        )


def forget_photo(guess: RoomGuess, storage: Storage) -> None:
    """Delete an answered (or failed) guess's photo: nobody needs it any more. A store that
    fails now leaves it to the sweep."""
    if guess.state in (GuessState.ANSWERED, GuessState.FAILED) and guess.photo_key:
        try:
            storage.delete_prefix(guess_prefix(guess.id))
        except StorageError:
            return
        guess.photo_key = ""


def get_guess_for(session: Session, *, user: User, guess_id: int) -> RoomGuess:
    """The user's own guess; NotFound for anyone else's, as for jobs."""
    guess = session.get(RoomGuess, guess_id)
    if guess is None or guess.user_id != user.id:
        raise NotFound(f"room type guess {guess_id} not found")
    return guess


@dataclass(frozen=True)
class ClaimedGuess:
    """A guess a worker holds: where its photo is."""

    id: int
    photo_key: str


guesses = RoomGuess.metadata.tables[RoomGuess.__tablename__]
_pending = (
    select(guesses.c.id)
    .where(guesses.c.state == GuessState.PENDING)
    .order_by(guesses.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
# Claim: one statement, the oldest pending guess (SKIP LOCKED on PostgreSQL; on SQLite the
# UPDATE holds the write lock).
CLAIM = (
    update(guesses)
    .where(guesses.c.id == _pending)
    .values(state=GuessState.RUNNING, locked_by=bindparam("worker_id"))
    .returning(guesses.c.id, guesses.c.photo_key)
)
# Answer or fail: fenced, only the worker that holds the running guess writes it.
FINISH = (
    update(guesses)
    .where(
        guesses.c.id == bindparam("guess_id"),
        guesses.c.state == GuessState.RUNNING,
        guesses.c.locked_by == bindparam("worker_id"),
    )
    .values(
        state=bindparam("new_state"),
        room_type=bindparam("guessed"),
        locked_by=None,
        answered_at=bindparam("at", type_=UTCDateTime()),
    )
)


def claim(conn: Executor, *, worker_id: str) -> ClaimedGuess | None:
    """Take the oldest pending guess; None when there is none."""
    row = conn.execute(CLAIM, {"worker_id": worker_id}).first()
    return ClaimedGuess(row.id, row.photo_key) if row is not None else None


def finish(
    conn: Executor, *, guess_id: int, worker_id: str, room_type: str | None, failed: bool = False
) -> bool:
    """Record the answer (or the failure); False when the guess is no longer this worker's."""
    params = {
        "guess_id": guess_id,
        "worker_id": worker_id,
        "new_state": GuessState.FAILED if failed else GuessState.ANSWERED,
        "guessed": None if failed else room_type,
        "at": utcnow(),
    }
    return rowcount(conn.execute(FINISH, params)) == 1


def purge_guesses(
    session: Session, storage: Storage, *, dry_run: bool = False, now: datetime | None = None
) -> int:
    """Delete guesses older than GUESS_RETENTION and their photos (photos first); a dry run
    only counts them."""
    cutoff = (now or utcnow()) - GUESS_RETENTION
    ids = list(session.scalars(select(RoomGuess.id).where(RoomGuess.created_at < cutoff)))
    if dry_run:
        return len(ids)
    for guess_id in ids:
        storage.delete_prefix(guess_prefix(guess_id))
    if ids:
        session.execute(delete(RoomGuess).where(RoomGuess.id.in_(ids)))
    return len(ids)
