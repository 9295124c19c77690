"""A job's pictures as pages show them: a thumbnail and web renditions (≤ 1600 px), each made
once and kept next to its source. Full resolution is served only by the downloads."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import Response
from PIL import Image

from api.deps import SessionDep, StorageDep
from api.inputs import ascii_digits
from api.pages.common import PageError, PageRoute, PageUser
from api.pages.job_view import load_job
from core.renditions import web_rendition_of
from core.storage import ObjectNotFound, Storage, job_thumb_key, rendition_key, web_key

router = APIRouter(include_in_schema=False, route_class=PageRoute)

THUMB_SIZE = (240, 180)
# Keys are rewritten only by a re-run of the same job, so a short private cache is safe.
IMAGE_CACHE = "private, max-age=3600"


def kept_rendition(
    storage: Storage, key: str, source: str, make: Callable[[bytes], bytes]
) -> bytes:
    """The object under `key`, made from `source` on first use and stored."""
    try:
        return storage.get(key)
    except ObjectNotFound:
        try:
            data = make(storage.get(source))
        except ObjectNotFound as exc:
            raise PageError(404, "Photo not found", "This photo is no longer stored.") from exc
        storage.put(key, data, "image/jpeg")
        return data


def _thumb(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMB_SIZE[0] * 2, THUMB_SIZE[1] * 2))
        image.thumbnail(THUMB_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _jpeg(data: bytes) -> Response:
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": IMAGE_CACHE})


@router.get("/jobs/{job_id}/thumb.jpg")
def thumbnail(session: SessionDep, storage: StorageDep, user: PageUser, job_id: int) -> Response:
    """A small copy of the input photo for the job lists."""
    job = load_job(session, user, job_id)
    return _jpeg(kept_rendition(storage, job_thumb_key(job.id), job.input_key, _thumb))


@router.get("/jobs/{job_id}/thumb/{variant}.jpg")
def result_thumbnail(
    session: SessionDep, storage: StorageDep, user: PageUser, job_id: int, variant: int
) -> Response:
    """A small copy of a result for the job lists, kept next to the result."""
    job = load_job(session, user, job_id)
    if not job.mode.edits_photo or not 1 <= variant <= len(job.result_keys):
        raise PageError(404, "No such image", f"Job #{job.id} has no variant {variant}.")
    key = job.result_keys[variant - 1]
    return _jpeg(kept_rendition(storage, rendition_key(key, "thumb"), key, _thumb))


@router.get("/jobs/{job_id}/web/{name}.jpg")
def web_image(
    session: SessionDep, storage: StorageDep, user: PageUser, job_id: int, name: str
) -> Response:
    """`input` or a variant number, at web size."""
    job = load_job(session, user, job_id)
    if name == "input":
        source = job.input_key
    elif job.mode.edits_photo and ascii_digits(name) and 1 <= int(name) <= len(job.result_keys):
        source = job.result_keys[int(name) - 1]
    else:
        raise PageError(404, "No such image", f"Job #{job.id} has no image “{name}”.")
    return _jpeg(kept_rendition(storage, web_key(source), source, web_rendition_of))
