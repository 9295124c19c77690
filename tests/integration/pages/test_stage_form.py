"""POST /stage: the new-staging form without JavaScript, one photo, HTML answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobs.models import Job
from tests.factories import photo_bytes
from tests.support.forms import post_form

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_one_photo_becomes_a_job_and_the_page_follows_it(make_web_user, session_factory, style):
    _, client = make_web_user()
    form = {"room_type": "living_room", "style": "modern", "variants": "2", "listing": " 9 Elm "}
    files = {"photo": ("room.jpg", photo_bytes(), "image/jpeg")}
    response = post_form(client, "/stage", form, files=files)
    assert response.status_code == 303
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
    assert response.headers["location"] == f"/jobs/{job.id}"
    assert (job.variants, job.listing, job.room_type) == (2, "9 Elm", "living_room")


def test_a_bad_photo_is_an_html_page_and_no_job(make_web_user, session_factory, style):
    _, client = make_web_user()
    files = {"photo": ("room.jpg", b"not a photo", "image/jpeg")}
    response = post_form(
        client, "/stage", {"room_type": "living_room", "style": "modern"}, files=files
    )
    assert response.status_code == 415
    assert "<h1>Photo not staged</h1>" in response.text
    assert 'href="/">Back to New staging</a>' in response.text
    with session_factory() as session:
        assert session.scalars(select(Job)).all() == []


def test_the_form_posts_to_the_no_javascript_route(make_web_user, style):
    _, client = make_web_user()
    html = client.get("/").text
    assert 'method="post" action="/stage" enctype="multipart/form-data"' in html
    assert '<select id="nojs-room-type" name="room_type">' in html
