"""Enhance, sky and twilight on the agents' pages: the no-JavaScript form, the sky picker and
the enhance box on New staging, the job page's actions, and the history filter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.skies import create_sky
from core.db import transaction
from core.storage import LocalStorage
from jobs.models import Job, JobMode
from tests.factories import completed_job, photo_bytes, sky_jpeg
from tests.support.forms import post_form

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def skies(session_factory, web_settings) -> list[int]:
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    with transaction(session_factory) as session:
        return [
            create_sky(session, storage, web_settings, {"name": n, "licence": "CC0"}, sky_jpeg()).id
            for n in ("Azure", "Cirrus")
        ]


def _only_job(session_factory) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job)).one()


def test_new_staging_offers_the_skies_and_the_enhance_box(make_web_user, skies):
    _, client = make_web_user()
    html = client.get("/").text
    assert '<option value="">Best match for each photo</option>' in html
    assert f'<option value="{skies[0]}">Azure</option>' in html
    assert 'id="enhance" name="enhance" value="true" >' in html  # unticked by default


def test_the_form_without_javascript_replaces_a_sky_without_a_style(
    make_web_user, session_factory, skies
):
    _, client = make_web_user()
    form = {"room_type": "patio", "mode": "sky", "sky": str(skies[1]), "enhance": "true"}
    files = {"photo": ("house.jpg", photo_bytes(), "image/jpeg")}
    response = post_form(client, "/stage", form, files=files)
    assert response.status_code == 303, response.text
    job = _only_job(session_factory)
    assert (job.mode, job.style_id, job.options["sky"]["name"]) == (JobMode.SKY, None, "Cirrus")
    assert job.options["enhance"] is True


def test_the_form_refuses_a_sky_not_in_the_library(make_web_user, session_factory, skies):
    _, client = make_web_user()
    files = {"photo": ("house.jpg", photo_bytes(), "image/jpeg")}
    for sky in ("99999", "x"):
        form = {"room_type": "patio", "mode": "sky", "sky": sky}
        response = post_form(client, "/stage", form, files=files)
        assert response.status_code == 422, response.text
        assert "Photo not staged" in response.text and "sky" in response.text
    with session_factory() as session:
        assert session.scalars(select(Job)).first() is None


def test_a_finishing_job_offers_no_style_actions_and_a_sky_job_offers_other_skies(
    make_web_user, session_factory, web_settings, style, skies
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        row = session.get(Job, job.id)
        row.mode, row.style_id, row.style_snapshot = JobMode.SKY, None, {}
        row.options = {"sky": {"id": skies[0], "name": "Azure", "image_key": "k"}}
    page = client.get(f"/jobs/{job.id}").text
    assert "Sky replaced" in page and "Exterior: replace the sky · sky “Azure”" in page
    assert 'id="again-heading"' not in page and "/restage" not in page and "/more" not in page
    assert f'<option value="{skies[1]}">Cirrus</option>' in page
    assert f'<option value="{skies[0]}">' not in page  # the sky it already has
    response = post_form(client, f"/jobs/{job.id}/another-sky", {"sky": str(skies[1])})
    assert response.status_code == 303, response.text
    with session_factory() as session:
        child = session.scalars(select(Job).where(Job.id != job.id)).one()
        assert (child.mode, child.options["sky"]["name"], child.variants) == (
            JobMode.SKY,
            "Cirrus",
            1,
        )
    with transaction(session_factory) as session:
        session.get(Job, job.id).mode = JobMode.ENHANCE
    page = client.get(f"/jobs/{job.id}").text
    assert "Enhanced" in page and "Try another sky" not in page and 'id="again-heading"' not in page


def test_history_filters_by_what_was_done(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    jobs = [completed_job(session_factory, web_settings, user=user, style=style) for _ in "ab"]
    with transaction(session_factory) as session:
        session.get(Job, jobs[1].id).mode = JobMode.TWILIGHT
    page = client.get("/jobs", params={"mode": "twilight"}).text
    assert f"/jobs/{jobs[1].id}" in page and f'href="/jobs/{jobs[0].id}"' not in page
    assert '<option value="twilight" selected>' in page
    assert client.get("/jobs", params={"mode": "nope"}).status_code == 400  # a page: 400
