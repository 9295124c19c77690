"""Answering a room type guess (jobs.room_guesses): a hint for the new-staging page, never fatal."""

from __future__ import annotations

import io
import logging

from PIL import Image
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from catalog.models import ROOM_TYPES
from core.storage import Storage
from jobs import room_guesses
from jobs.room_guesses import ClaimedGuess
from worker.connection import DedicatedConnection
from worker.generators.base import Generator

log = logging.getLogger(__name__)


def guess(storage: Storage, generator: Generator, claimed: ClaimedGuess) -> str | None:
    """The generator's guess for the stored photo; raises whatever reading or guessing raised."""
    with Image.open(io.BytesIO(storage.get(claimed.photo_key))) as photo:
        room_type = generator.guess_room_type(photo.convert("RGB"))
    if room_type is not None and room_type not in ROOM_TYPES:
        raise ValueError(f"the generator guessed an unknown room type {room_type!r}")
    return room_type


def answer(
    db: DedicatedConnection,
    storage: Storage,
    generator: Generator,
    claimed: ClaimedGuess,
    *,
    worker_id: str,
) -> None:
    """Guess, then record the answer (or the failure) with a fenced write of its own."""
    extra = {"worker_id": worker_id, "guess_id": claimed.id}
    failed, room_type = False, None
    try:
        room_type = guess(storage, generator, claimed)
    except Exception:  # a guess is only a hint: whatever went wrong, the page shows none
        log.exception("room type guess failed", extra=extra)
        failed = True

    def write(conn: Connection) -> bool:
        return room_guesses.finish(
            conn, guess_id=claimed.id, worker_id=worker_id, room_type=room_type, failed=failed
        )

    try:
        db.transaction(write)
    except SQLAlchemyError as exc:
        log.error("could not record a room type guess: %s", exc, extra=extra)
        return
    if not failed:
        log.info("room type guessed: %s", room_type or "none", extra=extra)
