"""The mode choice on the new-staging page, and the mode and scores on the job page."""

from __future__ import annotations

import re

from accounts.models import Role
from core.db import transaction
from jobs.models import Job, JobMode
from tests.integration.pages.conftest import completed_job


def test_new_staging_offers_the_modes_in_agent_words(make_web_user, style):
    _, client = make_web_user(Role.AGENT)
    html = client.get("/").text
    pattern = r"<input type=\"radio\" name=\"mode\" value=\"(\w+)\"[^>]*> ([^<]+)</label>"
    radios = re.findall(pattern, html)
    assert radios == [
        ("stage", "Empty room: add furniture"),
        ("declutter", "Remove furniture"),
        ("restage", "Replace furniture"),
    ]
    assert re.search(r'name="mode" value="stage" checked', html)


def test_job_page_names_the_mode(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user(Role.AGENT)
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        session.get(Job, job.id).mode = JobMode.DECLUTTER
    assert "Remove furniture" in client.get(f"/jobs/{job.id}").text
