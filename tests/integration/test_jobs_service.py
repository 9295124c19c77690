"""Jobs service details the API tests do not reach: races and queue figures."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from accounts.models import User
from core.db import transaction, utcnow
from core.errors import QuotaExceeded
from core.images import NormalisedImage, normalise_upload
from core.settings import Settings
from core.storage import ObjectNotFound, Storage, make_storage
from jobs.models import Job, JobState
from jobs.stats import counts_by_state, fleet_state, oldest_pending_age_s
from jobs.submit import JobRequest, create_job
from tests.factories import make_job, make_style, make_user, make_worker_record, photo_bytes


@dataclass
class Submit:
    """create_job for one user with a daily quota of 1, a style and a photo."""

    user: User
    image: NormalisedImage
    storage: Storage
    settings: Settings

    def __call__(self, session: Session, key: str | None = None) -> tuple[Job, bool]:
        return create_job(
            session,
            user=session.merge(self.user),
            request=JobRequest(style_slug="modern", room_type="living_room"),
            idempotency_key=key,
            image=self.image,
            storage=self.storage,
            settings=self.settings,
        )


@pytest.fixture
def submit(session_factory: sessionmaker[Session], settings: Settings) -> Submit:
    settings = settings.model_copy(update={"min_upload_side_px": 32})
    with transaction(session_factory) as session:
        user = make_user(session, daily_quota=1)
        make_style(session, slug="modern")
    image = normalise_upload(photo_bytes(), settings)
    return Submit(user, image, make_storage(settings), settings)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_requests_with_one_key_make_one_job(session_factory, submit):
    results = {}
    first = session_factory()
    results["first"] = submit(first, key="same")  # inserted, not yet committed

    def second() -> None:
        with transaction(session_factory) as session:
            results["second"] = submit(
                session, key="same"
            )  # blocks on the unique index until commit

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)
    first.commit()
    first.close()
    thread.join(timeout=30)
    (job_a, created_a), (job_b, created_b) = results["first"], results["second"]
    assert (created_a, created_b) == (True, False)
    assert job_a.id == job_b.id


def test_a_second_submission_waits_for_the_first_before_counting_the_quota(session_factory, submit):
    first = session_factory()
    submit(first)  # holds the user's quota lock until it commits
    outcome = {}

    def second() -> None:
        try:
            with transaction(session_factory) as session:
                outcome["job"] = submit(session)
        except QuotaExceeded as exc:
            outcome["refused"] = exc

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)
    waited = thread.is_alive()  # still waiting on the lock, not counting yet
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert waited
    assert set(outcome) == {"refused"}


def test_queue_figures(session_factory, settings):
    now = utcnow()
    with transaction(session_factory) as session:
        user, style = make_user(session), make_style(session)
        assert oldest_pending_age_s(session) is None
        make_job(session, user=user, style=style, run_after=now - timedelta(seconds=30))
        make_job(session, user=user, style=style, run_after=now + timedelta(hours=1))
        make_job(session, user=user, style=style, state=JobState.FAILED)
        make_worker_record(session, "live")
        make_worker_record(session, "gone", last_heartbeat_at=now - timedelta(hours=1))
        counts = counts_by_state(session)
        assert counts[JobState.PENDING] == 2 and counts[JobState.FAILED] == 1
        assert counts[JobState.RUNNING] == 0
        assert 29 <= oldest_pending_age_s(session) < 120
        assert fleet_state(session, settings).live == 1


def test_rolled_back_submission_leaves_no_photo_and_committed_one_keeps_it(session_factory, submit):
    storage = submit.storage
    with session_factory() as session:
        lost = submit(session)[0].input_key
        assert storage.get(lost)
        session.rollback()  # what the request does when its commit fails
        with pytest.raises(ObjectNotFound):
            storage.get(lost)
        kept = submit(session)[0].input_key
        session.commit()
        session.rollback()  # a later rollback must not touch committed photos
    assert storage.get(kept) == submit.image.data
