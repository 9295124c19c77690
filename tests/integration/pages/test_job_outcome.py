"""A failed or cancelled job's page: a plain message, a retry where it can help, no broken image."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import transaction
from core.storage import LocalStorage
from jobs.models import Job, JobState
from tests.factories import make_job, stored_job
from tests.support.forms import post_form

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

GONE = "input photo jobs/1/input.jpg is missing from storage"


def _job(session_factory, settings, user, style, *, stored: bool, **fields) -> Job:
    storage = LocalStorage(settings.local_storage_dir, settings.secret_key)
    with transaction(session_factory) as session:
        if stored:
            return stored_job(session, storage, user=user, style=style, **fields)
        return make_job(session, user=user, style=style, **fields)


def test_a_failed_job_offers_a_retry_that_queues_it_again(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    errors = [{"attempt": 3, "at": "2026-12-03T10:00:00Z", "error": "RuntimeError: CUDA wobble"}]
    job = _job(
        session_factory, web_settings, user, style, stored=True, errors=errors, state="failed"
    )
    html = client.get(f"/jobs/{job.id}").text
    assert "Something went wrong on our side" in html
    assert "CUDA wobble" not in html
    assert f'action="/jobs/{job.id}/retry"' in html
    assert 'alt="Original photo"' in html

    response = post_form(client, f"/jobs/{job.id}/retry")
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{job.id}"
    with session_factory() as session:
        assert session.scalars(select(Job.state).where(Job.id == job.id)).one() is JobState.PENDING


def test_a_cancelled_job_can_be_retried(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    job = _job(session_factory, web_settings, user, style, stored=True, state=JobState.CANCELLED)
    html = client.get(f"/jobs/{job.id}").text
    assert "This job was cancelled" in html
    assert f'action="/jobs/{job.id}/retry"' in html
    assert post_form(client, f"/jobs/{job.id}/retry").status_code == 303
    with session_factory() as session:
        assert session.get(Job, job.id).state is JobState.PENDING


def test_a_job_whose_photo_is_gone_says_so_with_no_retry_and_no_broken_image(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    errors = [{"attempt": 1, "at": "2026-12-03T10:00:00Z", "error": f"bad input: {GONE}"}]
    job = _job(
        session_factory, web_settings, user, style, stored=False, errors=errors, state="failed"
    )
    html = client.get(f"/jobs/{job.id}").text
    assert "The original photo is no longer stored" in html
    assert "missing from storage" not in html
    assert "/retry" not in html
    assert 'alt="Original photo"' not in html
    assert 'href="/">New staging</a>' in html


def test_a_completed_job_cannot_be_retried_from_the_page(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = _job(session_factory, web_settings, user, style, stored=True, state=JobState.COMPLETED)
    response = post_form(client, f"/jobs/{job.id}/retry")
    assert response.status_code == 303
    assert "retried" in client.get(f"/jobs/{job.id}").text
    with session_factory() as session:
        assert session.get(Job, job.id).state is JobState.COMPLETED
