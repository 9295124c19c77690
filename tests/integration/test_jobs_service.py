"""Jobs service details the API tests do not reach: races and queue figures."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from core.db import transaction, utcnow
from core.images import normalise_upload
from core.storage import make_storage
from jobs.models import JobState
from jobs.service import JobRequest, create_job
from jobs.stats import counts_by_state, live_workers, oldest_pending_age_s
from tests.factories import make_job, make_style, make_user, make_worker_record, photo_bytes


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_requests_with_one_key_make_one_job(session_factory, settings):
    settings = settings.model_copy(update={"min_upload_side_px": 32})
    with transaction(session_factory) as session:
        user = make_user(session)
        make_style(session, slug="modern")
    image = normalise_upload(photo_bytes(), settings)
    storage = make_storage(settings)
    request = JobRequest(style_slug="modern", room_type="living_room")

    def submit(session):
        return create_job(
            session,
            user=session.merge(user),
            request=request,
            idempotency_key="same",
            image=image,
            storage=storage,
            settings=settings,
        )

    results = {}
    first = session_factory()
    results["first"] = submit(first)  # inserted, not yet committed

    def second() -> None:
        with transaction(session_factory) as session:
            results["second"] = submit(session)  # blocks on the unique index until commit

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)
    first.commit()
    first.close()
    thread.join(timeout=30)
    (job_a, created_a), (job_b, created_b) = results["first"], results["second"]
    assert (created_a, created_b) == (True, False)
    assert job_a.id == job_b.id


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
        assert live_workers(session, settings) == 1
