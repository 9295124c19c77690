"""The mode choice on the new-staging page, and the mode and scores on the job page."""

from __future__ import annotations

import re

from accounts.models import Role
from core.db import transaction
from jobs.models import Job, JobMode
from tests.factories import completed_job


def test_new_staging_offers_the_modes_in_agent_words(make_web_user, style):
    _, client = make_web_user(Role.AGENT)
    html = client.get("/").text
    pattern = r"<input type=\"radio\" name=\"mode\" value=\"(\w+)\"[^>]*> ([^<]+)</label>"
    radios = re.findall(pattern, html)
    assert radios == [
        ("stage", "Empty room: add furniture"),
        ("declutter", "Remove furniture"),
        ("restage", "Replace furniture"),
        ("enhance", "Enhance only: fix light, colour and verticals"),
        ("sky", "Exterior: replace the sky"),
        ("twilight", "Exterior: day-to-dusk (twilight) version"),
    ]
    assert re.search(r'name="mode" value="stage" checked', html)


def test_job_page_names_the_mode_and_the_guessed_room(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user(Role.AGENT)
    job = completed_job(session_factory, web_settings, user=user, style=style)
    page = client.get(f"/jobs/{job.id}").text
    assert "Empty room: add furniture" in page and 'id="room-guess"' not in page
    with transaction(session_factory) as session:
        stored = session.get(Job, job.id)
        stored.mode, stored.room_type_guess = JobMode.DECLUTTER, "bedroom"
    page = client.get(f"/jobs/{job.id}").text
    assert "Remove furniture" in page
    assert "looks like a bedroom to us; it was staged as a living room" in page


def test_style_form_overrides_quality_thresholds(make_web_user, session_factory):
    from sqlalchemy import select

    from catalog.models import Style
    from tests.integration.pages.test_admin_pages import VALID_STYLE
    from tests.support.forms import post_form

    _, client = make_web_user(Role.MERCHANDISER)
    bad = {**VALID_STYLE, "threshold_furniture": "25", "threshold_seam": "-1"}
    response = post_form(client, "/admin/styles/new", bad)
    assert response.status_code == 422
    for field in ("threshold_furniture", "threshold_seam"):
        assert f'id="{field}-error"' in response.text, field
    good = {**VALID_STYLE, "threshold_seam": "5", "threshold_style": "0.25"}
    assert post_form(client, "/admin/styles/new", good).status_code == 303
    with session_factory() as session:
        style = session.scalars(select(Style)).one()
        assert style.quality_thresholds == {"seam": 5.0, "style": 0.25}
        assert style.snapshot()["quality_thresholds"] == {"seam": 5.0, "style": 0.25}
    page = client.get(f"/admin/styles/{style.id}").text
    assert re.search(r'id="threshold_seam"[^>]*value="5.0"', page)
    assert re.search(r'id="threshold_furniture"[^>]*value=""[^>]*placeholder="1.0"', page)


def test_stage_again_as_the_guessed_room_type(make_web_user, session_factory, web_settings, style):
    from sqlalchemy import select

    from tests.support.forms import post_form

    user, client = make_web_user(Role.AGENT)
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        stored = session.get(Job, job.id)
        stored.mode, stored.room_type_guess = JobMode.RESTAGE, "bedroom"
    assert "Stage again as a bedroom" in client.get(f"/jobs/{job.id}").text
    data = {"style": "modern", "room_type": "bedroom"}
    response = post_form(client, f"/jobs/{job.id}/restage", data)
    assert response.status_code == 303
    with session_factory() as session:
        new = session.scalars(select(Job).where(Job.id != job.id)).one()
        assert (new.room_type, new.mode, new.variants) == ("bedroom", JobMode.RESTAGE, 2)
    # A room type the style does not suit is refused with a message, and nothing is made.
    bad = post_form(client, f"/jobs/{job.id}/restage", {"style": "modern", "room_type": "patio"})
    assert bad.status_code == 303 and bad.headers["location"] == f"/jobs/{job.id}"
    with session_factory() as session:
        assert len(session.scalars(select(Job)).all()) == 2
