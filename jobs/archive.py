"""A completed job's photos in one zip: the photo of the real room and every result."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy.orm import Session

from core.storage import Storage
from jobs.derived import original_photo_key
from jobs.models import Job


def job_zip(session: Session, storage: Storage, job: Job) -> bytes:
    """`original.jpg` and each result under its own file name (result-1.jpg…), stored uncompressed
    (JPEGs do not shrink)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("original.jpg", storage.get(original_photo_key(session, job)))
        for key in job.result_keys:
            archive.writestr(key.rpartition("/")[2], storage.get(key))
    return buffer.getvalue()
