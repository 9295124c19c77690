"""Video jobs without a database: the spec frozen in the snapshot reads back as written, the
photo limit is the renderer's, a video is not done to an upload, what an agent reads while one
renders, and the byte ranges the players ask for."""

from __future__ import annotations

import re

import pytest
from starlette.requests import Request

from api.ranges import ranged
from core.errors import Invalid
from jobs.activity import activity
from jobs.models import Job, JobMode, JobState
from jobs.shares import ShareScope
from jobs.submit import JobRequest
from jobs.videos import MAX_PHOTOS, VideoPhoto, VideoShape, VideoSpec
from worker.video.timeline import max_photos


def test_the_photo_limit_is_the_renderers():
    assert max_photos() == MAX_PHOTOS


def test_a_spec_reads_back_from_the_snapshot_as_written():
    spec = VideoSpec(
        scope=ShareScope.LISTING,
        shapes=[VideoShape.VERTICAL, VideoShape.LANDSCAPE],
        photos=[VideoPhoto(3, "jobs/3/input.jpg", "jobs/3/a1/result-1.clean.jpg", "declutter")],
        brokerage="Harbour Homes",
        logo_key=None,
    )
    job = Job(style_snapshot={"video": spec.as_json()})
    assert VideoSpec.of(job) == spec


def test_a_video_is_asked_of_a_finished_job_not_uploaded():
    assert [mode for mode in JobMode if not mode.edits_photo] == [JobMode.VIDEO]
    assert not JobMode.VIDEO.stages and not JobMode.VIDEO.removes
    with pytest.raises(Invalid, match=re.escape("POST /jobs/{id}/videos")):
        JobRequest(style_slug="modern", room_type="kitchen", mode=JobMode.VIDEO).check()


@pytest.mark.parametrize(
    ("variants", "words"), [(1, "Rendering the video"), (2, "Rendering 2 videos")]
)
def test_a_rendering_video_in_an_agents_words(variants, words):
    job = Job(
        state=JobState.RUNNING, mode=JobMode.VIDEO, variants=variants, progress=3, stage="Frame 15"
    )
    assert activity(job, paused=False) == words


def _request(range_header: str | None) -> Request:
    headers = [(b"range", range_header.encode())] if range_header else []
    return Request({"type": "http", "method": "GET", "headers": headers})


DATA = bytes(range(100))


@pytest.mark.parametrize(
    ("header", "status", "body", "content_range"),
    [
        (None, 200, DATA, None),
        ("bytes=0-", 206, DATA, "bytes 0-99/100"),
        ("bytes=10-19", 206, DATA[10:20], "bytes 10-19/100"),
        ("bytes=90-500", 206, DATA[90:], "bytes 90-99/100"),
        ("bytes=-5", 206, DATA[-5:], "bytes 95-99/100"),
        ("bytes=0-1,5-6", 200, DATA, None),  # several ranges: the whole file
        ("bytes=100-", 416, b"", "bytes */100"),
        ("bytes=20-10", 416, b"", "bytes */100"),
        ("bytes=-0", 416, b"", "bytes */100"),
        ("items=0-5", 416, b"", "bytes */100"),
    ],
)
def test_byte_ranges(header, status, body, content_range):
    response = ranged(_request(header), DATA, "video/mp4", {})
    assert response.status_code == status and response.body == body
    assert response.headers.get("content-range") == content_range
    assert response.headers["accept-ranges"] == "bytes"
