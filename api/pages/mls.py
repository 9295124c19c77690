"""MLS-ready output: a listing's original and altered photos in one zip, named for upload and
sized to the deployment's long edge, with the disclosure caption (core.disclosure) to paste into
the listing. A photo made from another job's result is paired with the photo of the real room.

The zip is streamed one photo at a time (memory stays bounded whatever the listing's size), each
scaled copy is made once and kept in storage beside its source, and a user runs at most
MAX_DOWNLOADS at once per API process.
"""

from __future__ import annotations

import contextlib
import io
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from PIL import Image
from sqlalchemy import select
from starlette.types import Receive, Scope, Send

from api.deps import SessionDep, SettingsDep, StorageDep
from api.errors import error_json
from api.pages.common import PageError, PageRoute, PageUser
from core.disclosure import disclosure_for, kind_of, listing_caption
from core.errors import QuotaExceeded
from core.settings import Settings
from core.storage import ObjectNotFound, Storage, StorageError, sized_key
from jobs.derived import original_photo_key
from jobs.models import Job, JobMode, JobState
from jobs.submit import MAX_LISTING_CHARS

router = APIRouter(include_in_schema=False, route_class=PageRoute)

MAX_DOWNLOADS = 2
"""MLS zips one user may download at once from one API process."""


def fit_long_edge(data: bytes, long_edge: int, quality: int) -> bytes:
    """The JPEG scaled down so its long edge is at most `long_edge` (0: as it is)."""
    with Image.open(io.BytesIO(data)) as image:
        if not long_edge or max(image.size) <= long_edge:
            return data
        image.draft("RGB", (long_edge, long_edge))  # libjpeg decodes at a reduced scale
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


@dataclass(frozen=True)
class Entry:
    """One photo of the zip: its name there, its key, and whether its recorded size fits."""

    name: str
    key: str
    fits: bool


def entries(
    jobs: list[Job], originals: list[str], long_edge: int, settings: Settings
) -> list[Entry]:
    """The zip's photos in order, each job's results after the photo of the real room
    (`originals`); a job's results have the size of its photo."""
    found = []
    for number, (job, original_key) in enumerate(zip(jobs, originals, strict=True), start=1):
        fits = not long_edge or max(job.input_width, job.input_height) <= long_edge
        word = disclosure_for(kind_of(job.mode, job.style_snapshot), settings).word
        original, staged = mls_names(number, job.room_type, len(job.result_keys), word)
        found.append(Entry(original, original_key, fits))
        found += [Entry(n, k, fits) for n, k in zip(staged, job.result_keys, strict=True)]
    return found


def sized(storage: Storage, entry: Entry, long_edge: int, quality: int) -> bytes:
    """The photo at the zip's size: its scaled copy, kept in storage once made (one that cannot
    be stored is made again next time); a photo recorded as fitting is not looked up there."""
    kept = sized_key(entry.key, long_edge, quality)
    if not entry.fits:
        with contextlib.suppress(ObjectNotFound):
            return storage.get(kept)
    source = storage.get(entry.key)
    data = fit_long_edge(source, long_edge, quality)
    if data is not source:
        with contextlib.suppress(StorageError):
            storage.put(kept, data, "image/jpeg")
    return data


class _Chunks(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken out as they come."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # bytes only
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_stream(
    caption: str, photos: list[Entry], load: Callable[[Entry], bytes]
) -> Iterator[bytes]:
    """The zip, one photo at a time (data descriptors: nothing is seeked back to)."""
    out = _Chunks()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("caption.txt", caption + "\n")
        for photo in photos:
            yield out.take()
            archive.writestr(photo.name, load(photo))
    yield out.take()


class DownloadLimit:
    """Counts each user's running downloads in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: Counter[int] = Counter()
        self._lock = threading.Lock()

    def refusal(self) -> QuotaExceeded:
        return QuotaExceeded(
            f"you are already downloading {self.limit} zips; wait until one has finished",
            retry_after_s=10,
        )

    def check(self, user_id: int) -> None:
        """Raise the refusal when the user runs `limit` downloads now."""
        if self._running[user_id] >= self.limit:
            raise self.refusal()

    def _start(self, user_id: int) -> bool:
        with self._lock:
            if self._running[user_id] >= self.limit:
                return False
            self._running[user_id] += 1
            return True

    def _end(self, user_id: int) -> None:
        with self._lock:
            self._running[user_id] -= 1
            if not self._running[user_id]:
                del self._running[user_id]

    def response(self, user_id: int, chunks: Iterator[bytes], **kwargs: Any) -> StreamingResponse:
        """A streaming response counted from its first byte to its end, however it ends."""
        limit = self

        class Counted(StreamingResponse):
            async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
                if not limit._start(user_id):  # lost a race since check()
                    await error_json(limit.refusal())(scope, receive, send)
                    return
                try:
                    await super().__call__(scope, receive, send)
                finally:
                    limit._end(user_id)

        return Counted(chunks, **kwargs)


downloads = DownloadLimit(MAX_DOWNLOADS)


def content_disposition(listing: str) -> str:
    """`attachment` with an ASCII file name and the listing's own letters (RFC 6266 / 5987)."""
    words = "".join(c if c.isalnum() else "-" for c in listing.strip().lower())
    name = "-".join(filter(None, words.split("-")))[:60] or "listing"
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = "-".join(filter(None, "".join(c if c.isalnum() else "-" for c in plain).split("-")))
    return (
        f'attachment; filename="mls-{plain or "listing"}.zip"; '
        f"filename*=UTF-8''{quote(f'mls-{name}.zip', safe='')}"
    )


@router.get("/listings/mls.zip")
def listing_download(
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    listing: Annotated[str, Query(min_length=1, max_length=MAX_LISTING_CHARS)],
) -> StreamingResponse:
    jobs = list(
        session.scalars(
            select(Job)
            .where(
                Job.user_id == user.id,
                Job.listing == listing.strip(),
                Job.state == JobState.COMPLETED,
                Job.mode != JobMode.VIDEO,
            )
            .order_by(Job.id)
        )
    )
    if not jobs:
        raise PageError(
            404, "Nothing to download", f"You have no finished photos for the listing “{listing}”."
        )
    edge, quality = settings.mls_long_edge_px, settings.jpeg_quality
    photos = entries(jobs, [original_photo_key(session, job) for job in jobs], edge, settings)
    caption = listing_caption([kind_of(job.mode, job.style_snapshot) for job in jobs], settings)
    downloads.check(user.id)
    chunks = zip_stream(caption, photos, lambda e: sized(storage, e, edge, quality))
    return downloads.response(
        user.id,
        chunks,
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(listing)},
    )
