"""Jobs made without an upload: staging an earlier photo again, and staff test runs."""

from __future__ import annotations

import pytest

from catalog.sample_photo import SAMPLE_SIZE, sample_room_jpeg
from core.db import transaction
from core.errors import Conflict, Invalid, QuotaExceeded
from core.storage import LocalStorage
from jobs.derived import create_job_from, create_test_job
from jobs.models import JobState
from jobs.usage import style_ids_in_use
from tests.factories import make_job, make_style, make_user, photo_bytes


@pytest.fixture
def storage(settings):
    return LocalStorage(settings.local_storage_dir, settings.secret_key)


def test_stage_again_copies_the_photo_and_checks_the_style(session_factory, settings, storage):
    with transaction(session_factory) as session:
        user = make_user(session)
        first = make_style(session, slug="first")
        make_style(session, slug="bedrooms-only", room_types=["bedroom"])
        make_style(session, slug="second")
        source = make_job(session, user=user, style=first, variants=3, listing="Hill St")
        storage.put(source.input_key, photo_bytes(), "image/jpeg")

        job = create_job_from(
            session,
            user=user,
            source=source,
            style_slug="second",
            storage=storage,
            settings=settings,
        )
        assert (job.room_type, job.variants, job.listing) == ("living_room", 3, "Hill St")
        assert job.state is JobState.PENDING and job.input_key != source.input_key
        assert storage.get(job.input_key) == storage.get(source.input_key)
        assert job.style_snapshot["slug"] == "second"

        with pytest.raises(Invalid, match="not offered for living_room"):
            create_job_from(
                session,
                user=user,
                source=source,
                style_slug="bedrooms-only",
                storage=storage,
                settings=settings,
            )
        user.daily_quota = 2  # the source and the copy are today's two jobs
        with pytest.raises(QuotaExceeded):
            create_job_from(
                session,
                user=user,
                source=source,
                style_slug="second",
                storage=storage,
                settings=settings,
            )


def test_test_runs_use_the_sample_room_and_skip_quota(session_factory, settings, storage):
    with transaction(session_factory) as session:
        user = make_user(session, daily_quota=0)
        draft = make_style(session, is_active=False, room_types=["kitchen"])
        job = create_test_job(session, user=user, style=draft, storage=storage, settings=settings)
        assert job.is_test and job.room_type == "kitchen" and job.variants == 1
        assert (job.input_width, job.input_height) == SAMPLE_SIZE
        assert storage.get(job.input_key) == sample_room_jpeg()
        assert style_ids_in_use(session) == {draft.id}

        draft.is_archived = True
        with pytest.raises(Conflict, match="archived"):
            create_test_job(session, user=user, style=draft, storage=storage, settings=settings)
