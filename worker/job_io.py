"""A job's inputs read from storage, and its outputs written back under the attempt's own keys."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from core.disclosure import kind_of
from core.renditions import web_rendition
from core.storage import (
    ObjectNotFound,
    Storage,
    StorageError,
    job_mask_key,
    job_result_key,
    web_key,
)
from jobs.edits import Edit, edit_of
from jobs.finishing import SKY, SKY_CANDIDATES, enhances_first
from jobs.models import JobMode
from jobs.queue import ClaimedJob
from worker.generators.base import (
    BadInput,
    EditRequest,
    GenerationRequest,
    GenerationResult,
    LibrarySky,
)
from worker.postprocess import encode_jpeg, encode_png

log = logging.getLogger(__name__)


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def load_request(storage: Storage, job: ClaimedJob) -> GenerationRequest:
    """The generator's request for a job; BadInput when the photo is missing or unreadable."""
    try:
        image = _decode(storage.get(job.input_key))
    except ObjectNotFound as exc:
        raise BadInput(f"input photo {job.input_key} is missing from storage") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise BadInput(f"input photo {job.input_key} is not a readable image: {exc}") from exc
    style, options = job.style_snapshot or {}, job.options or {}
    request = GenerationRequest(
        job_id=job.id,
        image=image,
        room_type=job.room_type,
        style=style,
        variants=job.variants,
        seed=job.seed,
        reference_images=_references(storage, job, _reference_keys(style)),
        mode=job.mode,
        disclosure=kind_of(job.mode, style),
        edit=_edit(storage, job, edit, image.size) if (edit := edit_of(style)) else None,
        skies=_skies(storage, job, options) if job.mode is JobMode.SKY else [],
    )
    if not enhances_first(options):
        return request
    # Imported here: finishing needs cv2, which most jobs never load.
    from worker.finishing_job import enhanced_first

    return enhanced_first(request, True)


def _skies(storage: Storage, job: ClaimedJob, options: dict[str, Any]) -> list[LibrarySky]:
    """The job's sky, or its candidates; BadInput when none of their images is stored."""
    refs = [options[SKY]] if options.get(SKY) else options.get(SKY_CANDIDATES) or []
    skies = []
    for ref in refs:
        key = str(ref["image_key"])
        try:
            preview = _decode(storage.get(web_key(key)))
        except ObjectNotFound:
            try:  # a sky stored before its rendition was: compare on the full image
                preview = _decode(storage.get(key))
            except ObjectNotFound:
                log.warning("sky %s skipped: its image is gone", key, extra={"job_id": job.id})
                continue
        skies.append(LibrarySky(int(ref["id"]), str(ref["name"]), preview, _reader(storage, key)))
    if not skies:
        raise BadInput("the sky chosen for this job is no longer stored in the sky library")
    return skies


def _reader(storage: Storage, key: str) -> Callable[[], Image.Image]:
    return lambda: _decode(storage.get(key))


def _edit(storage: Storage, job: ClaimedJob, edit: Edit, size: tuple[int, int]) -> EditRequest:
    """The edit's painted region at the photo's size; BadInput when it is gone or unreadable."""
    try:
        mask = Image.open(io.BytesIO(storage.get(edit.mask_key)), formats=("PNG",))
        mask.load()
    except ObjectNotFound as exc:
        raise BadInput(f"edit mask {edit.mask_key} is missing from storage") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise BadInput(f"edit mask {edit.mask_key} is not a readable PNG: {exc}") from exc
    if mask.size != size:
        raise BadInput(f"edit mask is {mask.size}, the photo {size}")
    return EditRequest(edit.action, mask.convert("L"), edit.item)


def _reference_keys(style: dict[str, Any]) -> list[str]:
    """The style's reference images; an Add's piece shows its own instead, when it has one."""
    edit = edit_of(style)
    if edit is not None and edit.item is not None and edit.item.reference_image_key:
        return [edit.item.reference_image_key]
    return list(style.get("reference_image_keys") or [])


def _references(storage: Storage, job: ClaimedJob, keys: list[str]) -> list[Image.Image]:
    """Reference images are a hint: one that cannot be read is skipped, not fatal."""
    images = []
    for key in keys:
        try:
            images.append(_decode(storage.get(key)))
        except (StorageError, UnidentifiedImageError, OSError, ValueError) as exc:
            log.warning("reference image %s skipped: %s", key, exc, extra={"job_id": job.id})
    return images


@dataclass(frozen=True)
class StoredResults:
    """The keys a completed job records."""

    result_keys: list[str]
    mask_key: str | None
    has_clean_copies: bool


def store_results(
    storage: Storage,
    job: ClaimedJob,
    result: GenerationResult,
    *,
    size: tuple[int, int],
    quality: int,
) -> StoredResults:
    """Write every output under this attempt's keys (StorageError on an outage).

    Another attempt never writes here, so a worker that lost its lease cannot change a
    delivered result: only the fenced complete makes these keys the job's.
    """
    if len(result.images) != job.variants or len(result.seeds) != job.variants:
        raise RuntimeError(
            f"generator returned {len(result.images)} images and {len(result.seeds)} seeds "
            f"for {job.variants} variants"
        )
    keys = []
    for variant, image in enumerate(result.images, start=1):
        key = job_result_key(job.id, job.attempt, variant)
        fitted = _fit(image, size)
        storage.put(key, encode_jpeg(fitted, quality), "image/jpeg")
        storage.put(web_key(key), web_rendition(fitted), "image/jpeg")
        keys.append(key)
    for variant, image in enumerate(result.clean_images or [], start=1):
        key = job_result_key(job.id, job.attempt, variant, "clean")
        storage.put(key, encode_jpeg(_fit(image, size), quality), "image/jpeg")
    mask_key = None
    if result.mask is not None:
        mask_key = job_mask_key(job.id, job.attempt)
        storage.put(mask_key, encode_png(_fit(result.mask, size)), "image/png")
    return StoredResults(
        result_keys=keys, mask_key=mask_key, has_clean_copies=bool(result.clean_images)
    )


def _fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Outputs always have the input photo's size."""
    return image if image.size == size else image.resize(size, Image.Resampling.LANCZOS)
