"""Writes a reveal video: H.264 (yuv420p, BT.709) in an MP4 whose index comes first, so a
browser starts playing it before the whole file has arrived."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from worker.generators.base import ProgressCallback, StopCheck, StopRequested
from worker.video.frames import Branding, still, wipe
from worker.video.timeline import FPS, divider_positions, plan

# Peaks of 1.2 Mbit/s keep a minute under 9 MB: the 10 MB a minute budget, with room for the
# container. Holds cost next to nothing, so the wipes get most of it.
ENCODER_OPTIONS = {"crf": "23", "preset": "veryfast", "maxrate": "1200k", "bufsize": "2400k"}
PROGRESS_EVERY_FRAMES = 15
"""How often progress is reported and should_stop asked: half a second of video."""


@dataclass(frozen=True)
class VideoShape:
    """The frame size of one kind of video."""

    name: str
    width: int
    height: int


LANDSCAPE = VideoShape("landscape", 1920, 1080)
VERTICAL = VideoShape("vertical", 1080, 1920)
"""Stories and reels."""


@dataclass(frozen=True)
class RenderedVideo:
    """What was written."""

    path: Path
    shape: VideoShape
    frames: int
    fps: int
    size_bytes: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps


class Mp4Writer:
    """Frames in, an H.264 MP4 out; a writer that is aborted leaves no file behind."""

    def __init__(self, path: Path, shape: VideoShape) -> None:
        self.path = path
        self.frames = 0
        self._container: Any = av.open(
            str(path), "w", format="mp4", options={"movflags": "+faststart"}
        )
        stream = self._container.add_stream("libx264", rate=FPS, options=ENCODER_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = shape.width, shape.height, "yuv420p"
        context = stream.codec_context
        context.colorspace = context.color_primaries = context.color_trc = 1  # BT.709
        context.color_range = 1  # limited ("MPEG") range, what players expect
        self._stream = stream

    def convert(self, rgb: np.ndarray) -> av.VideoFrame:
        """An RGB frame as the encoder takes it."""
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        return frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG")

    def write(self, frame: av.VideoFrame) -> None:
        frame.pts = self.frames
        self.frames += 1
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        self._container.mux(self._stream.encode(None))
        self._container.close()

    def abort(self) -> None:
        try:
            self._container.close()
        finally:
            self.path.unlink(missing_ok=True)


def _ignore(_fraction: float, _stage: str) -> None:
    """The default progress callback."""


def _never() -> bool:
    return False


def render_reveal(
    photos: Sequence[tuple[Image.Image, Image.Image]],
    out: Path,
    *,
    shape: VideoShape = LANDSCAPE,
    label: str | Sequence[str | None] | None,
    branding: Branding | None = None,
    on_progress: ProgressCallback = _ignore,
    should_stop: StopCheck = _never,
) -> RenderedVideo:
    """Write the reveal of each (original, staged) pair in order to `out` (an .mp4 path).

    Pass the staged photos without their own label (the clean copies): `label` is drawn on
    every frame instead, in the same place; None draws none, and a sequence gives each photo its
    own (a listing that mixes kinds of alteration says what was done to each). Raises
    StopRequested, with no file left at `out`, once should_stop() is true; ValueError for no
    photos or too many.
    """
    beat = plan(len(photos))
    labels = [label] * len(photos) if label is None or isinstance(label, str) else list(label)
    if len(labels) != len(photos):
        raise ValueError(f"{len(labels)} labels for {len(photos)} photos")
    total = beat.frames * len(photos)
    size = (shape.width, shape.height)
    canvas = np.empty((shape.height, shape.width, 3), dtype=np.uint8)
    writer = Mp4Writer(out, shape)
    try:
        for (before_photo, after_photo), photo_label in zip(photos, labels, strict=True):
            before = still(before_photo, size, label=photo_label, branding=branding)
            after = still(after_photo, size, label=photo_label, branding=branding)
            last: tuple[float, av.VideoFrame] | None = None
            for position in divider_positions(beat):
                # A hold repeats its frame: converted once, encoded again with the next time.
                if last is None or last[0] != position:
                    last = (position, writer.convert(wipe(before, after, position, canvas)))
                writer.write(last[1])
                if writer.frames % PROGRESS_EVERY_FRAMES == 0 or writer.frames == total:
                    if should_stop():
                        raise StopRequested("the reveal video was stopped")
                    on_progress(writer.frames / total, f"Frame {writer.frames} of {total}")
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return RenderedVideo(out, shape, writer.frames, FPS, out.stat().st_size)
