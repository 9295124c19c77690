"""A video job's run: read its photos from storage, render one reveal MP4 per shape asked for,
and store each under the attempt's keys (jobs.videos.video_key), like a staging's results."""

from __future__ import annotations

import io
import logging
import tempfile
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.disclosure import disclosure_for
from core.settings import Settings
from core.storage import ObjectNotFound, Storage, StorageError
from jobs.queue import ClaimedJob
from jobs.videos import VideoShape, VideoSpec, video_key
from worker.generators.base import BadInput, ProgressCallback, StopCheck
from worker.video.frames import Branding
from worker.video.render import LANDSCAPE, VERTICAL, RenderedVideo, render_reveal

log = logging.getLogger(__name__)

SHAPES = {VideoShape.LANDSCAPE: LANDSCAPE, VideoShape.VERTICAL: VERTICAL}


def _image(storage: Storage, key: str) -> Image.Image:
    try:
        with Image.open(io.BytesIO(storage.get(key))) as image:
            return image.convert("RGB")
    except ObjectNotFound as exc:
        raise BadInput(f"photo {key} of the video is no longer stored") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise BadInput(f"photo {key} of the video is not a readable image: {exc}") from exc


def _branding(storage: Storage, spec: VideoSpec, job: ClaimedJob) -> Branding | None:
    """The brokerage badge; a logo that cannot be read leaves the name alone."""
    logo = None
    if spec.logo_key:
        try:
            logo = Image.open(io.BytesIO(storage.get(spec.logo_key)))
            logo.load()
        except (StorageError, UnidentifiedImageError, OSError, ValueError) as exc:
            log.warning("brokerage logo skipped: %s", exc, extra={"job_id": job.id})
            logo = None
    if not spec.brokerage and logo is None:
        return None
    return Branding(spec.brokerage, logo)


def render_video_job(
    storage: Storage,
    job: ClaimedJob,
    settings: Settings,
    on_progress: ProgressCallback,
    should_stop: StopCheck,
) -> list[str]:
    """Render and store every shape of the job; the stored keys, in the spec's order.

    Raises StopRequested (nothing stored of the shape under way) once should_stop() is true.
    """
    spec = VideoSpec.of(job)
    photos = [(_image(storage, p.before_key), _image(storage, p.after_key)) for p in spec.photos]
    # The owner of every caption and label: each photo says what was done to it.
    labels = [disclosure_for(photo.kind, settings).label for photo in spec.photos]
    branding = _branding(storage, spec, job)
    keys = []
    count = len(spec.shapes)
    with tempfile.TemporaryDirectory(prefix=f"video-{job.id}-") as folder:
        for index, shape in enumerate(spec.shapes):

            def progress(fraction: float, stage: str, index: int = index) -> None:
                which = f" (variant {index + 1}/{count})" if count > 1 else ""
                on_progress((index + fraction) / count, f"Rendering: {stage}{which}")

            out = Path(folder) / f"{shape.value}.mp4"
            video: RenderedVideo = render_reveal(
                photos,
                out,
                shape=SHAPES[shape],
                label=labels,
                branding=branding,
                on_progress=progress,
                should_stop=should_stop,
            )
            key = video_key(job.id, job.attempt, shape)
            storage.put(key, out.read_bytes(), "video/mp4")
            keys.append(key)
            log.info(
                "video rendered: %s, %.1f s, %d bytes",
                shape.value,
                video.duration_s,
                video.size_bytes,
                extra={"job_id": job.id},
            )
    return keys
