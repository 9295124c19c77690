"""MLS-ready output: a listing's original and altered photos in one zip, named for upload and
sized to the deployment's long edge, with the disclosure caption (core.disclosure) to paste into
the listing. A photo made from another job's result is paired with the photo of the real room."""

from __future__ import annotations

import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from PIL import Image
from sqlalchemy import select

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import PageError, PageRoute, PageUser
from core.disclosure import disclosure_for, kind_of, listing_caption
from core.settings import Settings
from core.storage import Storage
from jobs.derived import original_photo_key
from jobs.models import Job, JobState
from jobs.submit import MAX_LISTING_CHARS

router = APIRouter(include_in_schema=False, route_class=PageRoute)


def fit_long_edge(data: bytes, long_edge: int, quality: int) -> bytes:
    """The JPEG scaled down so its long edge is at most `long_edge` (0: as it is)."""
    with Image.open(io.BytesIO(data)) as image:
        if not long_edge or max(image.size) <= long_edge:
            return data
        image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=quality)
        return out.getvalue()


def mls_names(
    number: int, room_type: str, variants: int, word: str = "staged"
) -> tuple[str, list[str]]:
    """`01-living-room-original.jpg` and `01-living-room-staged.jpg` (`-staged-2.jpg`, …);
    `word` says what was done (`decluttered`, `restaged`)."""
    stem = f"{number:02d}-{room_type.replace('_', '-')}"
    staged = [f"{stem}-{word}{'' if n == 1 else f'-{n}'}.jpg" for n in range(1, variants + 1)]
    return f"{stem}-original.jpg", staged


def listing_zip(
    jobs: list[Job], originals: list[str], storage: Storage, settings: Settings
) -> bytes:
    """The zip of `jobs`, each result next to the photo of the real room (`originals`)."""
    buffer = io.BytesIO()
    edge, quality = settings.mls_long_edge_px, settings.jpeg_quality
    kinds = [kind_of(job.mode, job.style_snapshot) for job in jobs]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("caption.txt", listing_caption(kinds, settings) + "\n")
        for number, (job, kind) in enumerate(zip(jobs, kinds, strict=True), start=1):
            word = disclosure_for(kind, settings).word
            original, staged = mls_names(number, job.room_type, len(job.result_keys), word)
            photo = storage.get(originals[number - 1])
            archive.writestr(original, fit_long_edge(photo, edge, quality))
            for name, key in zip(staged, job.result_keys, strict=True):
                archive.writestr(name, fit_long_edge(storage.get(key), edge, quality))
    return buffer.getvalue()


@router.get("/listings/mls.zip")
def listing_download(
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    listing: Annotated[str, Query(min_length=1, max_length=MAX_LISTING_CHARS)],
) -> Response:
    jobs = list(
        session.scalars(
            select(Job)
            .where(
                Job.user_id == user.id,
                Job.listing == listing.strip(),
                Job.state == JobState.COMPLETED,
            )
            .order_by(Job.id)
        )
    )
    if not jobs:
        raise PageError(
            404, "Nothing to download", f"You have no finished photos for the listing “{listing}”."
        )
    name = "".join(c if c.isalnum() else "-" for c in listing.strip().lower()).strip("-")[:60]
    return Response(
        listing_zip(jobs, [original_photo_key(session, job) for job in jobs], storage, settings),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="mls-{name or "listing"}.zip"'},
    )
