"""Reveal videos on the job page: the card asks for one (with the CSRF token), follows the
video's progress, then offers a player and a download; the MP4 is the owner's alone."""

from __future__ import annotations

import re

from accounts.models import Role
from core.db import transaction
from core.storage import make_storage
from jobs.models import Job, JobMode, JobState
from jobs.videos import VideoShape, video_key
from tests.factories import completed_job
from tests.support.forms import post_form

FAKE_MP4 = b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 8


def _newest_video(session_factory) -> Job:
    with session_factory() as session:
        return session.query(Job).filter(Job.mode == JobMode.VIDEO).order_by(Job.id.desc()).one()


def test_the_job_page_asks_for_a_video_and_shows_it_from_progress_to_player(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style, listing="4 Elm")
    card = client.get(f"/jobs/{job.id}").text
    assert f'action="/jobs/{job.id}/videos"' in card and 'value="vertical"' in card
    assert 'name="scope" value="listing"' in card  # the job has a listing

    asked = post_form(client, f"/jobs/{job.id}/videos", {"shapes": ["landscape", "vertical"]})
    assert asked.status_code == 303 and asked.headers["location"] == f"/jobs/{job.id}#videos"
    video = _newest_video(session_factory)
    assert video.variants == 2 and video.parent_job_id == job.id and video.listing is None
    waiting = client.get(f"/jobs/{job.id}").text
    assert f'data-job-progress="/api/v1/jobs/{video.id}"' in waiting
    assert "js/progress.js" in waiting and "<video" not in waiting
    assert client.get(f"/jobs/{video.id}", follow_redirects=False).headers["location"] == (
        f"/jobs/{job.id}#videos"
    )

    storage = make_storage(web_settings)
    with transaction(session_factory) as session:
        done = session.get_one(Job, video.id)
        done.state, done.attempt = JobState.COMPLETED, 1
        done.result_keys = [video_key(video.id, 1, s) for s in VideoShape]
        for key in done.result_keys:
            storage.put(key, FAKE_MP4, "video/mp4")
    page = client.get(f"/jobs/{job.id}").text
    players = re.findall(r"<video [^>]*>", page)
    assert len(players) == 2 and all('preload="none"' in p and "poster=" in p for p in players)
    assert "js/progress.js" not in page
    url = f"/jobs/{video.id}/video/vertical.mp4"
    assert f'href="{url}?download=1"' in page
    download = client.get(f"{url}?download=1")
    assert download.content == FAKE_MP4 and download.headers["content-type"] == "video/mp4"
    assert "attachment" in download.headers["content-disposition"]
    assert client.get(url, headers={"Range": "bytes=0-7"}).content == FAKE_MP4[:8]
    assert client.get(f"/jobs/{video.id}/video/square.mp4").status_code == 404
    assert client.get(f"/jobs/{job.id}/video/landscape.mp4").status_code == 404  # not a video
    for photo_only in ("download/1", "download.zip", "web/1.jpg", "thumb/1.jpg"):
        assert client.get(f"/jobs/{video.id}/{photo_only}").status_code == 404, photo_only

    _, other = make_web_user(Role.AGENT)
    assert other.get(url).status_code == 404
    assert post_form(other, f"/jobs/{job.id}/videos", {"shapes": "landscape"}).status_code == 404
    _, manager = make_web_user(Role.MERCHANDISER)
    assert manager.get(url).content == FAKE_MP4


def test_a_refused_request_says_why_and_adds_nothing(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    for form, why in (
        ({"scope": "listing", "shapes": "landscape"}, "belongs to no listing"),
        ({"scope": "job"}, "at least one shape"),  # no box ticked
    ):
        asked = post_form(client, f"/jobs/{job.id}/videos", form)
        assert asked.status_code == 303
        assert why in client.get(asked.headers["location"]).text
    with session_factory() as session:
        assert session.query(Job).filter(Job.mode == JobMode.VIDEO).count() == 0
