"""Video jobs on the worker: asked for as the API asks, claimed and rendered by the worker loop,
stored like results, and decoded with PyAV (codec, pixel format, size, length, first frame the
original, last frame the result); progress rises while it renders and a cancel stops it."""

from __future__ import annotations

import io
import threading
import time

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import update

from accounts.brokerage import save_brokerage
from core.db import transaction, utcnow
from core.disclosure import DEFAULTS
from core.storage import job_result_key, make_storage
from jobs.models import Job, JobMode, JobState
from jobs.shares import ShareScope
from jobs.videos import VideoShape, request_video, video_key
from tests.factories import completed_job, make_style, make_user, room_photo
from tests.integration.test_worker_loop import _close_workers, load, make_worker  # noqa: F401
from worker.postprocess import label_box
from worker.video.frames import LABEL_POSITION, LABEL_SIZE_FRACTION, content_box, still
from worker.video.timeline import MAX_LISTING_S, MAX_ONE_PHOTO_S

pytestmark = pytest.mark.slow

MAX_BYTES_PER_MINUTE = 10 * 1024 * 1024
MAX_MEAN_ERROR = 6.0  # of 255 per channel, inside the photo's box (H.264, JPEG and a label)


def _staged(photo: Image.Image) -> Image.Image:
    staged = photo.copy()
    width, height = staged.size
    ImageDraw.Draw(staged).rectangle(
        [width // 5, height * 6 // 10, width * 4 // 5, height * 9 // 10], fill=(70, 96, 140)
    )
    return staged


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def _photo_job(
    settings, session_factory, user, style, *, seed=0, listing=None, **fields
) -> tuple[Job, Image.Image, Image.Image]:
    """A finished job whose photo and first result are a real room and its staging."""
    job = completed_job(
        session_factory, settings, user=user, style=style, listing=listing, **fields
    )
    storage = make_storage(settings)
    original = room_photo(640, 427, seed=seed)
    staged = _staged(original)
    storage.put(job.input_key, _jpeg(original), "image/jpeg")
    storage.put(job_result_key(job.id, 1, 1), _jpeg(staged), "image/jpeg")
    with transaction(session_factory) as session:
        session.execute(
            update(Job).where(Job.id == job.id).values(input_width=640, input_height=427)
        )
    return job, original, staged


@pytest.fixture
def owner(session_factory):
    with transaction(session_factory) as session:
        user = make_user(session, password_hash="x")
        style = make_style(session)
        save_brokerage(session, name="Harbour Homes", logo_key=None)
    return user, style


def _ask(settings, session_factory, user, job_id, **fields) -> int:
    with transaction(session_factory) as session:
        fields = {"scope": ShareScope.JOB, "shapes": ["landscape"], **fields}
        return request_video(session, user=user, job_id=job_id, settings=settings, **fields).id


def _decode(data: bytes) -> dict:
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        return {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "size": (stream.width, stream.height),
            "duration_s": float(container.duration or 0) / av.time_base,
            "frames": frames,
        }


def _error_in_box(frame: np.ndarray, photo: Image.Image) -> float:
    """Mean difference between the frame and the photo where the photo sits, label excluded."""
    left, top, right, bottom = content_box(photo.size, (frame.shape[1], frame.shape[0]))
    expected = np.asarray(photo.resize((right - left, bottom - top)), dtype=np.float32)
    shown = frame[top:bottom, left:right].astype(np.float32)
    keep = slice(0, (bottom - top) * 3 // 4)  # the label sits in the bottom right corner
    return float(np.abs(shown[keep] - expected[keep]).mean())


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_video_job_renders_both_shapes_and_stores_playable_mp4s(
    settings, engine, session_factory, owner
):
    user, style = owner
    job, original, staged = _photo_job(settings, session_factory, user, style)
    video_id = _ask(settings, session_factory, user, job.id, shapes=["landscape", "vertical"])
    seen: list[int] = []
    worker = make_worker(settings, engine)
    thread = threading.Thread(target=worker.run_once)
    started = time.monotonic()
    thread.start()
    while thread.is_alive():
        seen.append(load(session_factory, video_id).progress)
        time.sleep(0.2)
    thread.join()
    elapsed = time.monotonic() - started

    video = load(session_factory, video_id)
    assert video.state is JobState.COMPLETED, video.errors
    assert video.result_keys == [
        video_key(video_id, 1, VideoShape.LANDSCAPE),
        video_key(video_id, 1, VideoShape.VERTICAL),
    ]
    rising = [p for p in seen if p > 0]
    assert len(set(rising)) >= 3 and rising == sorted(rising), seen  # reported as it renders
    storage = make_storage(settings)
    for key, size in zip(video.result_keys, [(1920, 1080), (1080, 1920)], strict=True):
        data = storage.get(key)
        decoded = _decode(data)
        assert (decoded["codec"], decoded["pix_fmt"], decoded["size"]) == ("h264", "yuv420p", size)
        assert 3.0 <= decoded["duration_s"] <= MAX_ONE_PHOTO_S
        assert len(data) / decoded["duration_s"] * 60 <= MAX_BYTES_PER_MINUTE
        assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")  # faststart
        first, last = decoded["frames"][0], decoded["frames"][-1]
        assert _error_in_box(first, original) < MAX_MEAN_ERROR
        assert _error_in_box(last, staged) < MAX_MEAN_ERROR
        assert _error_in_box(last, original) > _error_in_box(last, staged) + 3
    print(f"two 1080p shapes of one photo rendered in {elapsed:.1f} s")


def _label_error(frame: np.ndarray, staged: Image.Image, label: str) -> float:
    """How far the frame's label corner is from the staged photo's still with this label."""
    size = (frame.shape[1], frame.shape[0])
    expected = still(staged, size, label=label, branding=None).astype(np.float32)
    boxes = [
        label_box(size, text, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION)
        for text in LABELS.values()
    ]
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    corner = (slice(top, size[1]), slice(left, size[0]))
    return float(np.abs(frame[corner].astype(np.float32) - expected[corner]).mean())


LABELS = {kind: DEFAULTS[kind].label for kind in ("stage", "declutter")}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_listing_video_shows_each_photo_in_the_order_submitted_within_60_s(
    settings, engine, session_factory, owner
):
    user, style = owner
    made = [
        _photo_job(settings, session_factory, user, style, seed=n, listing="12 Elm St", mode=mode)
        for n, mode in enumerate([JobMode.STAGE, JobMode.DECLUTTER])
    ]
    video_id = _ask(settings, session_factory, user, made[1][0].id, scope=ShareScope.LISTING)
    assert make_worker(settings, engine).run_once()

    video = load(session_factory, video_id)
    assert video.state is JobState.COMPLETED, video.errors
    decoded = _decode(make_storage(settings).get(video.result_keys[0]))
    assert decoded["duration_s"] <= MAX_LISTING_S
    frames = decoded["frames"]
    half = len(frames) // 2
    assert _error_in_box(frames[0], made[0][1]) < MAX_MEAN_ERROR  # the first submitted first
    assert _error_in_box(frames[half - 1], made[0][2]) < MAX_MEAN_ERROR
    assert _error_in_box(frames[half], made[1][1]) < MAX_MEAN_ERROR
    assert _error_in_box(frames[-1], made[1][2]) < MAX_MEAN_ERROR
    # Each photo carries its own kind's label: the listing mixes a staging and a removal.
    for frame, staged, right, wrong in (
        (frames[half - 1], made[0][2], "stage", "declutter"),
        (frames[-1], made[1][2], "declutter", "stage"),
    ):
        assert _label_error(frame, staged, LABELS[right]) + 2 < _label_error(
            frame, staged, LABELS[wrong]
        )


def test_cancelling_a_video_mid_render_stops_it_and_keeps_no_file(
    settings, engine, session_factory, owner
):
    user, style = owner
    made = [
        _photo_job(settings, session_factory, user, style, seed=n, listing="3 Oak Rd")
        for n in range(4)
    ]
    video_id = _ask(
        settings,
        session_factory,
        user,
        made[0][0].id,
        scope=ShareScope.LISTING,
        shapes=["landscape", "vertical"],
    )
    worker = make_worker(settings, engine)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    deadline = time.monotonic() + 60
    while load(session_factory, video_id).progress == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    progress = load(session_factory, video_id).progress
    with transaction(session_factory) as session:
        session.execute(update(Job).where(Job.id == video_id).values(cancel_requested_at=utcnow()))
    thread.join(timeout=60)

    video = load(session_factory, video_id)
    assert 0 < progress < 50 and video.state is JobState.CANCELLED
    assert video.result_keys == []
    assert make_storage(settings).keys(f"jobs/{video_id}/") == []
