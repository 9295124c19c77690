"""Sales-floor pages: new staging, job page, results, downloads, restage, history, quota."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from accounts.models import Role
from core.db import transaction
from core.storage import LocalStorage, rendition_key
from jobs.models import Job, JobState
from tests.factories import completed_job, make_job, make_style
from tests.support.forms import post_form


def test_style_names_are_escaped(make_web_user, session_factory):
    with transaction(session_factory) as session:
        make_style(session, name="<script>alert(1)</script>", description="<b>bold</b>")
    _, client = make_web_user()
    html = client.get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_new_staging_lists_active_styles_with_swatches(make_web_user, session_factory, style):
    with transaction(session_factory) as session:
        make_style(session, name="Hidden draft", is_active=False)
    _, client = make_web_user()
    html = client.get("/").text
    assert 'value="modern"' in html
    assert "Hidden draft" not in html
    assert "background: #d9c7a7" in html
    assert 'data-room-types="living_room bedroom dining_room"' in html


def test_over_quota_page_says_when_it_resets(make_web_user, style):
    _, client = make_web_user(daily_quota=0)
    html = client.get("/").text
    assert "Your quota resets at midnight UTC" in html


def test_job_page_shows_progress_then_results(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    with transaction(session_factory) as session:
        pending = make_job(session, user=user, style=style)
    html = client.get(f"/jobs/{pending.id}").text
    assert f'data-job-progress="/api/v1/jobs/{pending.id}"' in html
    assert "Cancel job" in html and "progress.js" in html

    done = completed_job(session_factory, web_settings, user=user, style=style)
    html = client.get(f"/jobs/{done.id}").text
    assert 'id="compare-range"' in html and "slider.js" in html
    assert "progress.js" not in html and "Cancel job" not in html
    assert f"/jobs/{done.id}/download/2" in html
    # The agent's page has no jargon: no seeds, no mask; staff keep them on the console.
    assert "View staging mask" not in html and "seed 11" not in html
    _, staff_client = make_web_user(Role.MERCHANDISER)
    staff_html = staff_client.get(f"/admin/jobs/{done.id}").text
    assert "View staging mask" in staff_html and "seed 11" in staff_html


def test_cancel_from_the_job_page(make_web_user, session_factory, style):
    user, client = make_web_user()
    with transaction(session_factory) as session:
        job = make_job(session, user=user, style=style)
    response = post_form(client, f"/jobs/{job.id}/cancel")
    assert response.status_code == 303
    with session_factory() as session:
        assert session.get(Job, job.id).state is JobState.CANCELLED


def test_agents_cannot_see_other_agents_jobs(make_web_user, session_factory, style):
    owner, _ = make_web_user()
    _, other = make_web_user()
    with transaction(session_factory) as session:
        job = make_job(session, user=owner, style=style)
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert post_form(other, f"/jobs/{job.id}/cancel").status_code == 404


def test_downloads_and_zip(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)

    one = client.get(f"/jobs/{job.id}/download/1")
    assert one.status_code == 200
    assert one.content == storage.get(job.result_keys[0])
    assert 'filename="result-1.jpg"' in one.headers["content-disposition"]
    clean = client.get(f"/jobs/{job.id}/download/1?clean=1", follow_redirects=False)
    assert clean.status_code == 303  # the preview generator only makes labelled images
    assert client.get(f"/jobs/{job.id}/download/3").status_code == 404

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/jobs/{job.id}/download.zip").content))
    assert sorted(archive.namelist()) == ["original.jpg", "result-1.jpg", "result-2.jpg"]
    assert archive.read("original.jpg") == storage.get(job.input_key)


def test_clean_copies_are_offered_as_the_job_records_them(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    clean_key = rendition_key(job.result_keys[0], "clean")
    storage.put(clean_key, b"unlabelled", "image/jpeg")
    with transaction(session_factory) as session:
        session.merge(job).generator = "sdxl"  # what the pages used to go by
    # Not recorded: no link, and the stored object is not handed out.
    assert "Download without label" not in client.get(f"/jobs/{job.id}").text
    refused = client.get(f"/jobs/{job.id}/download/1?clean=1", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == f"/jobs/{job.id}"

    with transaction(session_factory) as session:
        session.merge(job).has_clean_copies = True
    assert f"/jobs/{job.id}/download/2?clean=1" in client.get(f"/jobs/{job.id}").text
    clean = client.get(f"/jobs/{job.id}/download/1?clean=1")
    assert clean.status_code == 200 and clean.content == b"unlabelled"
    assert 'filename="result-1-clean.jpg"' in clean.headers["content-disposition"]


def test_stage_again_reuses_the_stored_photo(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        other = make_style(session, slug="coastal", name="Coastal")
    assert "Coastal" in client.get(f"/jobs/{job.id}").text

    response = post_form(client, f"/jobs/{job.id}/restage", {"style": "coastal"})
    assert response.status_code == 303
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    with session_factory() as session:
        new = session.scalars(select(Job).where(Job.id != job.id)).one()
        assert response.headers["location"] == f"/jobs/{new.id}"
        assert new.style_snapshot["slug"] == "coastal" and new.style_id == other.id
        assert (new.room_type, new.variants, new.state) == ("living_room", 2, JobState.PENDING)
        assert storage.get(new.input_key) == storage.get(job.input_key)


def test_stage_again_respects_quota(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user(daily_quota=1)
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        make_style(session, slug="coastal", name="Coastal")
    response = post_form(client, f"/jobs/{job.id}/restage", {"style": "coastal"})
    assert response.headers["location"] == f"/jobs/{job.id}"
    assert "resets" in client.get(f"/jobs/{job.id}").text
    with session_factory() as session:
        assert len(session.scalars(select(Job)).all()) == 1


def test_my_jobs_filters_and_pages(make_web_user, session_factory, style):
    user, client = make_web_user()
    with transaction(session_factory) as session:
        for n in range(23):
            make_job(
                session, user=user, style=style, listing=f"{'Harbour' if n < 3 else 'Hill'} St"
            )
        make_job(session, user=user, style=style, state=JobState.FAILED, listing="Hill St")
    first = client.get("/jobs").text
    assert first.count('class="thumb"') == 20 and "Page 1 of 2" in first
    assert client.get("/jobs?page=2").text.count('class="thumb"') == 4
    assert client.get("/jobs?listing=harbour").text.count('class="thumb"') == 3
    assert client.get("/jobs?state=failed").text.count('class="thumb"') == 1


def test_thumbnail_is_made_once(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    response = client.get(f"/jobs/{job.id}/thumb.jpg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert storage.get(f"jobs/{job.id}/thumb.jpg") == response.content


def test_again_in_this_style_and_more_like_a_variant_make_new_jobs(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    html = client.get(f"/jobs/{job.id}").text
    assert "uses one job of your daily quota" in html
    assert f'action="/jobs/{job.id}/again"' in html
    assert f'action="/jobs/{job.id}/variants/2/more"' in html

    again = post_form(client, f"/jobs/{job.id}/again")
    more = post_form(client, f"/jobs/{job.id}/variants/2/more")
    assert post_form(client, f"/jobs/{job.id}/variants/3/more").status_code == 404
    with session_factory() as session:
        new_again, new_more = session.scalars(
            select(Job).where(Job.id != job.id).order_by(Job.id)
        ).all()
    assert again.headers["location"] == f"/jobs/{new_again.id}"
    assert more.headers["location"] == f"/jobs/{new_more.id}"
    assert new_again.style_snapshot["slug"] == new_more.style_snapshot["slug"] == "modern"
    assert "variation" not in new_again.style_snapshot
    assert (new_more.seed, new_more.style_snapshot["variation"]) == (12, 0.15)
    assert new_more.variants == new_again.variants == job.variants
