"""Reveal videos as they are written: decoded with PyAV and checked against what was promised
(codec, pixel format, size, length, frame rate, first and last frames, the label, the bytes)."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.photos import camera_photo
from tests.factories import room_photo
from worker.generators.base import StopRequested
from worker.postprocess import label_box
from worker.video.frames import LABEL_POSITION, LABEL_SIZE_FRACTION, Branding, content_box, still
from worker.video.render import LANDSCAPE, VERTICAL, VideoShape, render_reveal
from worker.video.timeline import FPS, MAX_ONE_PHOTO_S, plan

pytestmark = pytest.mark.slow

LABEL = "Virtually staged"
MAX_BYTES_PER_MINUTE = 10 * 1024 * 1024
MAX_MEAN_ERROR = 4.0  # of 255, per channel: H.264 at our quality on smooth pictures


def _staged(photo: Image.Image) -> Image.Image:
    """The photo with a sofa and a rug drawn in, as a staging adds them."""
    staged = photo.copy()
    draw = ImageDraw.Draw(staged)
    width, height = staged.size
    draw.rectangle(
        [width // 5, height * 7 // 10, width * 4 // 5, height * 9 // 10], fill=(70, 96, 140)
    )
    draw.rectangle([width // 4, height * 11 // 20, width // 2, height * 3 // 4], fill=(190, 60, 50))
    return staged


ORIGINAL = room_photo(1200, 800)
STAGED = _staged(ORIGINAL)


class Decoded:
    """Everything a test looks at in one written video."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size_bytes = path.stat().st_size
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            self.codec = stream.codec_context.name
            self.pix_fmt = stream.codec_context.pix_fmt
            self.width, self.height = stream.width, stream.height
            self.rate = stream.average_rate
            self.duration_s = float(container.duration or 0) / av.time_base
            frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        self.frames = frames

    def top_level_boxes(self) -> list[bytes]:
        data, boxes, at = self.path.read_bytes(), [], 0
        while at + 8 <= len(data):
            boxes.append(data[at + 4 : at + 8])
            at += int.from_bytes(data[at : at + 4], "big")
        return boxes


def _render(tmp: Path, shape: VideoShape, label: str | None, **kwargs) -> Decoded:
    path = tmp / f"{shape.name}-{'labelled' if label else 'plain'}.mp4"
    render_reveal([(ORIGINAL, STAGED)], path, shape=shape, label=label, **kwargs)
    return Decoded(path)


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Decoded]:
    tmp = tmp_path_factory.mktemp("videos")
    return {
        "landscape": _render(tmp, LANDSCAPE, LABEL),
        "vertical": _render(tmp, VERTICAL, LABEL),
        "plain": _render(tmp, LANDSCAPE, None),
    }


def _mean_error(frame: np.ndarray, photo: Image.Image, shape: VideoShape) -> float:
    """How far the photo's box in the frame is from the photo, the label's rows left out."""
    left, top, right, bottom = content_box(photo.size, (shape.width, shape.height))
    expected = np.asarray(photo.resize((right - left, bottom - top), Image.Resampling.LANCZOS))
    got = frame[top:bottom, left:right]
    label_top = label_box(
        (shape.width, shape.height),
        LABEL,
        position=LABEL_POSITION,
        size_fraction=LABEL_SIZE_FRACTION,
    )[1]
    keep = slice(0, max(1, label_top - top))
    return float(np.abs(got[keep].astype(int) - expected[keep].astype(int)).mean())


@pytest.mark.parametrize("shape", [LANDSCAPE, VERTICAL], ids=lambda shape: shape.name)
def test_a_one_photo_reveal_is_what_was_promised(videos, shape):
    video = videos[shape.name]
    beat = plan(1)
    assert video.codec == "h264"
    assert video.pix_fmt == "yuv420p"
    assert (video.width, video.height) == (shape.width, shape.height)
    assert video.rate == Fraction(FPS)
    assert len(video.frames) == beat.frames
    assert video.duration_s == pytest.approx(beat.frames / FPS, abs=0.05)
    assert video.duration_s <= MAX_ONE_PHOTO_S
    boxes = video.top_level_boxes()
    assert boxes.index(b"moov") < boxes.index(b"mdat")  # +faststart
    assert video.size_bytes <= MAX_BYTES_PER_MINUTE * video.duration_s / 60
    assert _mean_error(video.frames[0], ORIGINAL, shape) < MAX_MEAN_ERROR
    assert _mean_error(video.frames[-1], STAGED, shape) < MAX_MEAN_ERROR
    assert _mean_error(video.frames[-1], ORIGINAL, shape) > 2 * MAX_MEAN_ERROR


def test_the_wipe_brings_the_staged_photo_in_from_the_right(videos):
    video, beat = videos["landscape"], plan(1)
    middle = video.frames[beat.hold_before + beat.wipe // 2]
    left, top, right, bottom = content_box(ORIGINAL.size, (LANDSCAPE.width, LANDSCAPE.height))
    sofa_row = top + (bottom - top) * 8 // 10
    sofa_blue = np.array([70, 96, 140])
    row = middle[sofa_row, left:right].astype(int)
    is_sofa = np.abs(row - sofa_blue).sum(axis=1) < 40
    columns = np.flatnonzero(is_sofa)
    assert columns.size > 0
    assert columns.min() > (right - left) // 3  # only the right-hand part is staged yet


def test_the_label_is_burned_into_every_frame(videos):
    labelled, plain = videos["landscape"], videos["plain"]
    left, top, right, bottom = label_box(
        (LANDSCAPE.width, LANDSCAPE.height),
        LABEL,
        position=LABEL_POSITION,
        size_fraction=LABEL_SIZE_FRACTION,
    )
    for index in (0, len(labelled.frames) // 2, -1):
        band = np.abs(
            labelled.frames[index][top:bottom, left:right].astype(int)
            - plain.frames[index][top:bottom, left:right].astype(int)
        )
        assert band.mean() > 40, index
        above = np.abs(
            labelled.frames[index][: top - 8].astype(int)
            - plain.frames[index][: top - 8].astype(int)
        )
        assert above.mean() < 1.5, index


def test_the_brokerage_badge_is_drawn_in_the_top_left_corner():
    logo = Image.new("RGBA", (300, 100), (200, 30, 30, 255))
    size = (LANDSCAPE.width, LANDSCAPE.height)
    plain = still(ORIGINAL, size, label=None, branding=None)
    named = still(ORIGINAL, size, label=None, branding=Branding("Acme Realty"))
    with_logo = still(ORIGINAL, size, label=None, branding=Branding("Acme Realty", logo))
    corner = (slice(20, 100), slice(20, 400))
    assert np.abs(named[corner].astype(int) - plain[corner]).mean() > 20
    red = np.all(with_logo[corner] == (200, 30, 30), axis=-1)
    assert red.sum() > 1000
    rest = (slice(300, None), slice(None))
    assert np.array_equal(with_logo[rest], plain[rest])


def test_a_listing_plays_its_photos_in_order_within_the_byte_budget(tmp_path):
    photos = []
    for size, flip in (((1600, 1067), False), ((1500, 1000), True)):
        with Image.open(io.BytesIO(camera_photo(*size, grain=3.0, texture=12.0))) as camera:
            original = camera.convert("RGB")
        if flip:  # a different room for the second photo
            original = original.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        photos.append((original, _staged(original)))
    progress: list[float] = []
    video = render_reveal(
        photos, tmp_path / "listing.mp4", label=LABEL, on_progress=lambda f, _s: progress.append(f)
    )
    decoded = Decoded(video.path)
    beat = plan(2)
    assert len(decoded.frames) == video.frames == 2 * beat.frames
    assert decoded.size_bytes == video.size_bytes
    assert video.size_bytes <= MAX_BYTES_PER_MINUTE * video.duration_s / 60
    ends = [decoded.frames[beat.frames - 1], decoded.frames[-1]]
    starts = [decoded.frames[0], decoded.frames[beat.frames]]
    for number, (original, staged) in enumerate(photos):
        assert _mean_error(starts[number], original, LANDSCAPE) < 3 * MAX_MEAN_ERROR
        assert _mean_error(ends[number], staged, LANDSCAPE) < 3 * MAX_MEAN_ERROR
        other = photos[1 - number][0]
        assert _mean_error(starts[number], other, LANDSCAPE) > _mean_error(
            starts[number], original, LANDSCAPE
        )
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert len(progress) == -(-video.frames // 15)


def test_a_stopped_render_leaves_no_file(tmp_path):
    asked = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) >= 2

    path = tmp_path / "stopped.mp4"
    with pytest.raises(StopRequested):
        render_reveal([(ORIGINAL, STAGED)], path, label=LABEL, should_stop=should_stop)
    assert len(asked) == 2
    assert not path.exists()


def test_too_many_photos_are_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "long.mp4"
    with pytest.raises(ValueError, match="at most 30 photos"):
        render_reveal([(ORIGINAL, STAGED)] * 31, path, label=LABEL)
    assert not path.exists()
