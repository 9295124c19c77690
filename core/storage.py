"""Object storage: local disk (the default) or Cloudflare R2 through the S3 API.

Keys are built here from job and style ids only, so no user text reaches a key or a path.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CallTimeout
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from core.errors import NotFound
from core.faults import StorageUnavailable
from core.settings import Settings, StorageBackend
from core.signing import digests_match

StorageError = StorageUnavailable
"""The storage modules' name for the outage: the store could not be reached or refused."""

PROBE_TIMEOUT_S = 2.0
"""How long a readiness probe waits for the store."""


class ObjectNotFound(NotFound, FileNotFoundError):
    """No object under that key: a 404, not an outage (and, like a missing local file, an
    OSError)."""

    message = "this image is no longer stored"
    title = "Image not available"

    def __init__(self, key: str) -> None:
        super().__init__()
        self.args = (key,)


RENDITIONS = {"labelled": "", "clean": "-clean", "thumb": "-thumb"}
"""Each stored version of a result image and its key's suffix (result-<n><suffix>.jpg); the
pages make the thumbnail for the job lists on first view."""


def job_input_key(job_id: int) -> str:
    return f"jobs/{int(job_id)}/input.jpg"


def attempt_prefix(job_id: int, attempt: int) -> str:
    """Where one attempt writes its outputs: only a fenced complete makes them the job's."""
    return f"jobs/{int(job_id)}/a{int(attempt)}/"


def attempt_of(key: str) -> int | None:
    """The attempt whose prefix holds `key`, if any."""
    match = re.match(r"jobs/\d+/a(\d+)/", key)
    return int(match.group(1)) if match else None


def job_result_key(job_id: int, attempt: int, variant: int, rendition: str = "labelled") -> str:
    return rendition_key(f"{attempt_prefix(job_id, attempt)}result-{int(variant)}.jpg", rendition)


def rendition_key(result_key: str, rendition: str) -> str:
    """The key of another rendition of a recorded result image (its sibling in storage)."""
    return result_key.removesuffix(".jpg") + RENDITIONS[rendition] + ".jpg"


def job_edit_mask_key(job_id: int) -> str:
    """Where an edit job keeps the region the agent painted (jobs/edits.py)."""
    return f"jobs/{int(job_id)}/edit-mask.png"


def job_mask_key(job_id: int, attempt: int) -> str:
    return f"{attempt_prefix(job_id, attempt)}mask.png"


def web_key(key: str) -> str:
    """Where the web rendition of the image stored under `key` lives, next to it."""
    stem = key.rpartition(".")[0] or key
    return f"{stem}-web.jpg"


def phone_key(key: str) -> str:
    """Where the phone-sized rendition of the image stored under `key` lives, next to it."""
    stem = key.rpartition(".")[0] or key
    return f"{stem}-phone.jpg"


def brokerage_logo_key() -> str:
    return "brokerage/logo.png"


def sized_key(key: str, long_edge: int, quality: int) -> str:
    """Where a copy of the image under `key` scaled to `long_edge` (the MLS zip's) is kept."""
    stem = key.rpartition(".")[0] or key
    return f"{stem}-{int(long_edge)}px-q{int(quality)}.jpg"


def job_thumb_key(job_id: int) -> str:
    return f"jobs/{int(job_id)}/thumb.jpg"


def job_prefix(job_id: int) -> str:
    return f"jobs/{int(job_id)}/"


def guess_prefix(guess_id: int) -> str:
    """Everything stored for a room type guess (jobs.room_guesses)."""
    return f"guesses/{int(guess_id)}/"


def guess_photo_key(guess_id: int) -> str:
    return f"{guess_prefix(guess_id)}photo.jpg"


def style_reference_key(style_id: int, index: int) -> str:
    return f"styles/{int(style_id)}/reference-{int(index)}.jpg"


def sky_image_key(sky_id: int) -> str:
    """A sky of the library; its web rendition sits beside it (web_key)."""
    return f"skies/{int(sky_id)}/sky.jpg"


def edit_item_image_key(item_id: int, version: str) -> str:
    """An edit item's reference image, one key per upload: a queued edit that chose the item
    keeps reading the image it was given (its web rendition sits beside it, web_key)."""
    return f"edit-items/{int(item_id)}/{version}.jpg"


class Storage(Protocol):
    """What the API and the worker need of a store."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def keys(self, prefix: str) -> list[str]: ...

    def url(self, key: str) -> str: ...

    def check(self, timeout_s: float | None = None) -> None: ...


class LocalStorage:
    """Files under one directory; URLs point at the API's signed /files route.

    Every OSError (a full or read-only disk, a lost mount) is a StorageError.
    """

    def __init__(self, root: Path, secret_key: str, url_expiry_s: int = 3600) -> None:
        self.root = root.resolve()
        self._secret = secret_key.encode()
        self._expiry_s = url_expiry_s

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"key escapes the storage root: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file and a crash leaves none.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot write {key}: {exc}") from exc
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix.rstrip("/"))
        if not base.exists():
            return 0
        count = 0
        try:
            for path in sorted(base.rglob("*"), reverse=True):
                if path.is_file():
                    path.unlink()
                    count += 1
                else:
                    path.rmdir()
            base.rmdir()
        except OSError as exc:
            raise StorageError(f"cannot delete {prefix}: {exc}") from exc
        return count

    def keys(self, prefix: str) -> list[str]:
        base = self._path(prefix.rstrip("/"))
        files = sorted(path for path in base.rglob("*") if path.is_file())
        return [path.relative_to(self.root).as_posix() for path in files]

    def sign(self, key: str, expires: int) -> str:
        return hmac.new(self._secret, f"{key}:{expires}".encode(), hashlib.sha256).hexdigest()

    def verify(self, key: str, expires: int, signature: str) -> bool:
        return expires >= time.time() and digests_match(self.sign(key, expires), signature)

    def url(self, key: str) -> str:
        expires = int(time.time()) + self._expiry_s
        return f"/files/{quote(key)}?expires={expires}&sig={self.sign(key, expires)}"

    def check(self, timeout_s: float | None = None) -> None:
        """Write and remove a small file: a full or read-only disk fails here (no timeout)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"storage directory unusable: {exc}") from exc
        probe = f".probe-{os.getpid()}"
        self.put(probe, os.urandom(4096), "application/octet-stream")
        (self.root / probe).unlink(missing_ok=True)


class R2Storage:
    """A private bucket on R2 (or any S3-compatible endpoint); URLs are presigned GETs.

    Each call, botocore's retries included, is bounded by R2_CALL_TIMEOUT_S: it runs on a
    small thread pool and is given up (StorageError) when the time is over; a stalled
    thread ends when botocore's own timeouts do.
    """

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = settings.r2_bucket
        self._expiry_s = settings.r2_url_expiry_s
        self._timeout_s = settings.r2_call_timeout_s
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="r2")
        self._client = boto3.client(
            "s3",
            endpoint_url=settings.r2_endpoint,
            region_name="auto",
            aws_access_key_id=settings.r2_access_key_id,
            aws_secret_access_key=settings.r2_secret_access_key,
            config=Config(
                signature_version="s3v4",
                retries={"max_attempts": settings.r2_max_attempts, "mode": "standard"},
                connect_timeout=settings.r2_connect_timeout_s,
                read_timeout=settings.r2_read_timeout_s,
            ),
        )

    def _call(
        self,
        operation: str,
        then: Callable[[dict], Any] = lambda answer: answer,
        timeout_s: float | None = None,
        **kwargs: object,
    ) -> Any:
        """One S3 operation (and `then` on its answer, e.g. reading the body) in bounded time."""
        from botocore.exceptions import BotoCoreError, ClientError

        def run() -> Any:
            return then(getattr(self._client, operation)(Bucket=self.bucket, **kwargs))

        limit_s = timeout_s or self._timeout_s
        try:
            return self._pool.submit(run).result(timeout=limit_s)
        except CallTimeout as exc:
            raise StorageError(f"R2 {operation} gave no answer within {limit_s:g}s") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404", "NotFound"}:
                raise ObjectNotFound(str(kwargs.get("Key", ""))) from exc
            raise StorageError(f"R2 {operation} failed: {code or exc}") from exc
        except (BotoCoreError, OSError) as exc:
            raise StorageError(f"R2 {operation} failed: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self._call("get_object", lambda answer: answer["Body"].read(), Key=key)

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=key)
        except ObjectNotFound:
            return False
        return True

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        while True:
            listing = self._call("list_objects_v2", Prefix=prefix, MaxKeys=1000)
            keys = [{"Key": item["Key"]} for item in listing.get("Contents", [])]
            if not keys:
                return count
            self._call("delete_objects", Delete={"Objects": keys, "Quiet": True})
            count += len(keys)

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        token: dict[str, Any] = {}
        while True:
            listing = self._call("list_objects_v2", Prefix=prefix, MaxKeys=1000, **token)
            found += [item["Key"] for item in listing.get("Contents", [])]
            if not listing.get("IsTruncated"):
                return found
            token = {"ContinuationToken": listing["NextContinuationToken"]}

    def url(self, key: str) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self._expiry_s
        )

    def check(self, timeout_s: float | None = None) -> None:
        self._call("head_bucket", timeout_s=timeout_s)


def make_storage(settings: Settings) -> Storage:
    """The store the settings name."""
    if settings.storage_backend is StorageBackend.R2:
        return R2Storage(settings)
    return LocalStorage(settings.local_storage_dir, settings.secret_key, settings.r2_url_expiry_s)
