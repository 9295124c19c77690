"""Reveal videos through the JSON API and the pages that serve them, on both databases: asking
a finished job for one inserts a pending video job and nothing else; what is refused adds
nothing; only the owner (or staff) sees and fetches it; anonymous viewers only through a live
share link, whose page embeds it lightly (no preload, a poster) and serves byte ranges."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from accounts.models import User
from core.db import transaction
from core.storage import make_storage
from jobs.models import Job, JobMode, JobState
from jobs.videos import MAX_PHOTOS, VideoShape, video_key
from tests.factories import completed_job, make_job
from tests.integration.api.helpers import error_of, submit

FAKE_MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 40


@pytest.fixture
def job(session_factory, api_settings, agent, style):
    return completed_job(session_factory, api_settings, user=agent.user, style=style)


def _ask(client, actor, job_id, **body):
    return client.post(f"/api/v1/jobs/{job_id}/videos", headers=actor.headers, json=body)


def _videos(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).where(Job.mode == JobMode.VIDEO)) or 0


def _finish(session_factory, settings, video_id: int) -> list[str]:
    """The video job as a worker leaves it: completed, an MP4 per shape stored."""
    storage = make_storage(settings)
    with transaction(session_factory) as session:
        video = session.get_one(Job, video_id)
        shapes = video.style_snapshot["video"]["shapes"]
        keys = [video_key(video_id, 1, VideoShape(shape)) for shape in shapes]
        for key in keys:
            storage.put(key, FAKE_MP4, "video/mp4")
        video.state, video.result_keys, video.attempt = JobState.COMPLETED, keys, 1
    return keys


def test_asking_for_a_video_inserts_a_pending_video_job(
    client, agent, job, session_factory, api_settings
):
    used = client.get("/api/v1/me", headers=agent.headers).json()["quota"]["used"]
    response = _ask(client, agent, job.id, shapes=["landscape", "vertical"], variant=2)
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/jobs/{body['id']}"
    assert (body["mode"], body["state"], body["variants"]) == ("video", "pending", 2)
    assert body["video_shapes"] == ["landscape", "vertical"]
    assert body["parent_job_id"] == job.id and body["parent_variant"] == 2
    assert client.get("/api/v1/me", headers=agent.headers).json()["quota"]["used"] == used + 1
    polled = client.get(f"/api/v1/jobs/{body['id']}", headers=agent.headers).json()
    assert polled["state"] == "pending" and polled["results"] == []
    listed = client.get("/api/v1/jobs", headers=agent.headers).json()["items"]
    assert [item["id"] for item in listed] == [job.id]  # shown on its job's page, not listed
    videos = client.get(f"/api/v1/jobs/{job.id}/videos", headers=agent.headers).json()
    assert [video["id"] for video in videos] == [body["id"]]
    with session_factory() as session:
        spec = session.get_one(Job, body["id"]).style_snapshot["video"]
    assert spec["scope"] == "job" and [p["job_id"] for p in spec["photos"]] == [job.id]
    assert spec["photos"][0]["after_key"] == job.result_keys[1]  # the chosen variant

    _finish(session_factory, api_settings, body["id"])
    done = client.get(f"/api/v1/jobs/{body['id']}", headers=agent.headers).json()
    assert [r["url"].split("?")[0].rsplit("/", 1)[1] for r in done["results"]] == [
        "landscape.mp4",
        "vertical.mp4",
    ]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"shapes": ["square"]}, 422, "shapes"),
        ({"shapes": []}, 422, "shapes"),
        ({"shapes": ["landscape"], "variant": 3}, 422, "variant"),
        ({"scope": "listing"}, 422, "scope"),  # the job has no listing
        ({"scope": "everything"}, 422, None),
        ({"shapes": ["landscape", "vertical", "landscape"]}, 422, None),  # more than the shapes
    ],
)
def test_bad_requests_are_refused_and_add_nothing(
    client, agent, job, session_factory, body, status, field
):
    response = _ask(client, agent, job.id, **body)
    assert response.status_code == status, response.text
    if field:
        assert error_of(response)["field"] == field
    assert _videos(session_factory) == 0


def test_a_job_that_is_not_finished_or_is_a_video_is_refused(
    client, agent, job, session_factory, style
):
    with transaction(session_factory) as session:
        running = make_job(session, user=agent.user, style=style, state=JobState.RUNNING)
    assert _ask(client, agent, running.id).status_code == 409
    video_id = _ask(client, agent, job.id).json()["id"]
    assert error_of(_ask(client, agent, video_id))["field"] == "job_id"
    assert _videos(session_factory) == 1


def test_a_listing_of_too_many_photos_is_refused(client, agent, session_factory, style):
    with transaction(session_factory) as session:
        ids = [
            make_job(
                session,
                user=agent.user,
                style=style,
                state=JobState.COMPLETED,
                listing="Big house",
                result_keys=[f"jobs/x/{n}.jpg"],
            ).id
            for n in range(MAX_PHOTOS + 1)
        ]
    response = _ask(client, agent, ids[0], scope="listing")
    assert response.status_code == 422 and "at most 30 photos" in error_of(response)["message"]
    assert _videos(session_factory) == 0


def test_the_quota_counts_a_video(client, agent, job, session_factory):
    with transaction(session_factory) as session:
        session.execute(update(User).where(User.id == agent.user.id).values(daily_quota=1))
    assert _ask(client, agent, job.id).status_code == 429  # the job itself used today's one
    assert _videos(session_factory) == 0


def test_another_agent_can_neither_ask_for_nor_fetch_a_video(
    client, agent, job, make_actor, session_factory, api_settings
):
    other = make_actor()
    assert _ask(client, other, job.id).status_code == 404
    assert _videos(session_factory) == 0
    video_id = _ask(client, agent, job.id).json()["id"]
    _finish(session_factory, api_settings, video_id)
    assert client.get(f"/api/v1/jobs/{video_id}", headers=other.headers).status_code == 404
    assert client.post(f"/api/v1/jobs/{video_id}/cancel", headers=other.headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{job.id}/videos", headers=other.headers).status_code == 404


def _share_path(client, actor, job_id, scope="job") -> str:
    created = client.post(
        "/api/v1/shares", headers=actor.headers, json={"job_id": job_id, "scope": scope}
    )
    assert created.status_code == 201, created.text
    return created.json()["url"].removeprefix("http://127.0.0.1:8000")


def test_a_share_link_embeds_its_video_lightly_and_serves_ranges_anonymously(
    client, agent, job, session_factory, api_settings
):
    path = _share_path(client, agent, job.id)
    assert "<video" not in client.get(path).text  # no video yet
    assert client.get(f"{path}/video.mp4").status_code == 404
    video_id = _ask(client, agent, job.id, shapes=["vertical", "landscape"]).json()["id"]
    assert "<video" not in client.get(path).text  # not finished yet
    _finish(session_factory, api_settings, video_id)

    anonymous = {"Authorization": ""}
    page = client.get(path, headers=anonymous).text
    video = re.search(r"<video [^>]*>", page).group(0)
    assert 'preload="none"' in video and f'poster="{path}/1/after-phone.jpg"' in video
    assert f'src="{path}/video.mp4"' in video and 'class="landscape"' in video
    assert f"#{video_id}" not in page and "/jobs/" not in page and "/files/" not in page
    whole = client.get(f"{path}/video.mp4", headers=anonymous)
    assert whole.status_code == 200 and whole.content == FAKE_MP4
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes" and "set-cookie" not in whole.headers
    part = client.get(f"{path}/video.mp4", headers={**anonymous, "Range": "bytes=8-15"})
    assert part.status_code == 206 and part.content == FAKE_MP4[8:16]
    assert part.headers["content-range"] == f"bytes 8-15/{len(FAKE_MP4)}"
    tail = client.get(f"{path}/video.mp4", headers={"Range": "bytes=-4"})
    assert tail.status_code == 206 and tail.content == FAKE_MP4[-4:]
    past = client.get(f"{path}/video.mp4", headers={"Range": f"bytes={len(FAKE_MP4)}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(FAKE_MP4)}"

    share_id = client.get("/api/v1/shares", headers=agent.headers).json()[0]["id"]
    client.post(f"/api/v1/shares/{share_id}/revoke", headers=agent.headers)
    assert client.get(f"{path}/video.mp4").status_code == 404  # the video goes with the link


def test_a_listing_link_shows_the_listing_video_not_a_photo_video(
    client, agent, session_factory, api_settings, style
):
    first, second = (
        completed_job(session_factory, api_settings, user=agent.user, style=style, listing="9 Bay")
        for _ in range(2)
    )
    listing_path = _share_path(client, agent, first.id, scope="listing")
    photo_path = _share_path(client, agent, second.id)
    photo_video = _ask(client, agent, second.id).json()["id"]
    _finish(session_factory, api_settings, photo_video)
    assert "<video" not in client.get(listing_path).text
    assert "<video" in client.get(photo_path).text
    listing_video = _ask(client, agent, second.id, scope="listing").json()
    with session_factory() as session:
        spec = session.get_one(Job, listing_video["id"]).style_snapshot["video"]
    assert [p["job_id"] for p in spec["photos"]] == [first.id, second.id]  # order submitted
    _finish(session_factory, api_settings, listing_video["id"])
    assert "<video" in client.get(listing_path).text
    assert client.get(f"{listing_path}/video.mp4").content == FAKE_MP4
    # The listing's MLS zip and its share page still hold the two photos only.
    assert client.get(f"{listing_path}/3/after.jpg").status_code == 404


def test_an_upload_cannot_ask_for_a_video(client, agent, style, session_factory):
    response = submit(client, agent.headers, mode="video")
    assert response.status_code == 422 and error_of(response)["field"] == "mode"
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0
