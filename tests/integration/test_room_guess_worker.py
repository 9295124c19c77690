"""Workers answer room type guesses with their generator (preview here), before their next job."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import User
from core.db import transaction, utcnow
from core.images import NormalisedImage
from core.storage import guess_prefix, make_storage
from jobs import room_guesses
from jobs.models import Job, JobState
from jobs.room_guesses import GuessState, RoomGuess, create_guess, purge_guesses
from tests.factories import encode, make_user, patio_photo, room_photo, stored_job
from tests.support.processes import wait_for
from worker.generators.preview import PreviewGenerator
from worker.loop import Worker
from worker.signals import Shutdown


@pytest.fixture
def make_worker(settings, engine):
    """Workers on the test database with the preview generator (closed after the test)."""
    workers: list[Worker] = []

    def make(generator=None) -> Worker:
        worker = Worker(
            settings,
            generator=generator or PreviewGenerator(step_delay_s=0),
            storage=make_storage(settings),
            engine=engine,
            shutdown=Shutdown(1),
        )
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.close()


class BrokenGuesser(PreviewGenerator):
    """Stages like the preview, but its guess raises (a model that fails)."""

    def guess_room_type(self, image):
        raise RuntimeError("segmentation exploded")


def ask(settings, session_factory, photo, *, user_id: int | None = None) -> int:
    data = encode(photo, "JPEG")
    with transaction(session_factory) as session:
        user = session.get_one(User, user_id) if user_id else make_user(session)
        image = NormalisedImage(data, *photo.size)
        return create_guess(session, user=user, image=image, storage=make_storage(settings)).id


def load(session_factory, guess_id) -> RoomGuess:
    with session_factory() as session:
        return session.get(RoomGuess, guess_id)


def test_worker_answers_guesses_before_its_job(settings, session_factory, make_worker):
    patio = ask(settings, session_factory, patio_photo())
    room = ask(
        settings, session_factory, room_photo(), user_id=load(session_factory, patio).user_id
    )
    with transaction(session_factory) as session:
        job_id = stored_job(session, make_storage(settings)).id
    worker = make_worker()

    assert worker.run_once()  # the job, with the oldest guess answered first
    answered = load(session_factory, patio)
    assert (answered.state, answered.room_type, answered.locked_by) == (
        GuessState.ANSWERED,
        "patio",
        None,
    )
    assert answered.answered_at is not None
    assert load(session_factory, room).state is GuessState.PENDING
    with session_factory() as session:
        assert session.get(Job, job_id).state is JobState.COMPLETED

    assert not worker.run_once()  # no job left; the second guess is answered all the same
    answered = load(session_factory, room)
    assert (answered.state, answered.room_type) == (GuessState.ANSWERED, None)


def test_a_failed_guess_is_marked_failed_and_the_worker_carries_on(
    settings, session_factory, make_worker
):
    guess_id = ask(settings, session_factory, patio_photo())
    with transaction(session_factory) as session:
        job_id = stored_job(session, make_storage(settings)).id
    assert make_worker(BrokenGuesser(step_delay_s=0)).run_once()
    failed = load(session_factory, guess_id)
    assert (failed.state, failed.room_type) == (GuessState.FAILED, None)
    with session_factory() as session:
        assert session.get(Job, job_id).state is JobState.COMPLETED


def test_a_missing_photo_fails_the_guess(settings, session_factory, make_worker):
    guess_id = ask(settings, session_factory, patio_photo())
    make_storage(settings).delete_prefix(guess_prefix(guess_id))
    assert not make_worker().run_once()
    assert load(session_factory, guess_id).state is GuessState.FAILED


def test_an_idle_running_worker_answers_a_new_guess(settings, session_factory, make_worker):
    worker = make_worker()
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        guess_id = ask(settings, session_factory, patio_photo())
        wait_for(
            lambda: load(session_factory, guess_id).state is GuessState.ANSWERED,
            timeout_s=10,
            what="the guess answered",
        )
        assert load(session_factory, guess_id).room_type == "patio"
    finally:
        worker.shutdown.request()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_retention_deletes_guesses_after_an_hour_with_their_photos(settings, session_factory):
    storage = make_storage(settings)
    old = ask(settings, session_factory, patio_photo())
    new = ask(settings, session_factory, patio_photo(), user_id=load(session_factory, old).user_id)
    with transaction(session_factory) as session:
        session.get(RoomGuess, old).created_at = utcnow() - timedelta(hours=1, minutes=1)
    old_key = load(session_factory, old).photo_key
    with transaction(session_factory) as session:
        assert purge_guesses(session, storage, dry_run=True) == 1
    assert storage.exists(old_key)
    with transaction(session_factory) as session:
        assert purge_guesses(session, storage) == 1
    with session_factory() as session:
        assert list(session.scalars(select(RoomGuess.id))) == [new]
    assert not storage.exists(old_key)
    assert storage.exists(load(session_factory, new).photo_key)


def test_claims_skip_held_guesses_and_answers_are_fenced(settings, session_factory, engine, db_url):
    first = ask(settings, session_factory, patio_photo())
    second = ask(
        settings, session_factory, patio_photo(), user_id=load(session_factory, first).user_id
    )
    with engine.connect() as a:
        with a.begin():
            held = room_guesses.claim(a, worker_id="a")
            assert held.id == first
            if engine.dialect.name == "postgresql":  # SQLite writers queue; PostgreSQL skips
                with engine.connect() as b, b.begin():
                    assert room_guesses.claim(b, worker_id="b").id == second
        with a.begin():
            assert not room_guesses.finish(a, guess_id=first, worker_id="b", room_type="patio")
            assert room_guesses.finish(a, guess_id=first, worker_id="a", room_type="patio")
            assert not room_guesses.finish(a, guess_id=first, worker_id="a", room_type="bedroom")
    assert load(session_factory, first).room_type == "patio"
