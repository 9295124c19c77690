"""A job's inputs read from storage, and its outputs written back under the attempt's own keys."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

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
from jobs.queue import ClaimedJob
from worker.generators.base import BadInput, EditRequest, GenerationRequest, GenerationResult
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
    style = job.style_snapshot or {}
    return GenerationRequest(
        job_id=job.id,
        image=image,
        room_type=job.room_type,
        style=style,
        variants=job.variants,
        seed=job.seed,
        reference_images=_references(storage, job, style.get("reference_image_keys") or []),
        mode=job.mode,
        disclosure=kind_of(job.mode, style),
        edit=_edit(storage, job, edit, image.size) if (edit := edit_of(style)) else None,
    )


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
    return EditRequest(edit.action, mask.convert("L"))


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
