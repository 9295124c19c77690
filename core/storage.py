"""Object storage: local disk (the default) or Cloudflare R2 through the S3 API.

Keys are built here from job and style ids only, so no user text reaches a key or a path.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from core.settings import Settings, StorageBackend


class StorageError(Exception):
    """The store could not be reached or refused the operation."""


class ObjectNotFound(StorageError):
    """No object under that key."""


def job_input_key(job_id: int) -> str:
    return f"jobs/{int(job_id)}/input.jpg"


def job_result_key(job_id: int, variant: int, *, labelled: bool = True) -> str:
    suffix = "" if labelled else "-clean"
    return f"jobs/{int(job_id)}/result-{int(variant)}{suffix}.jpg"


def web_key(key: str) -> str:
    """Where the web rendition of the image stored under `key` lives, next to it."""
    stem = key.rpartition(".")[0] or key
    return f"{stem}-web.jpg"


def job_mask_key(job_id: int) -> str:
    return f"jobs/{int(job_id)}/mask.png"


def job_thumb_key(job_id: int) -> str:
    return f"jobs/{int(job_id)}/thumb.jpg"


def job_prefix(job_id: int) -> str:
    return f"jobs/{int(job_id)}/"


def style_reference_key(style_id: int, index: int) -> str:
    return f"styles/{int(style_id)}/reference-{int(index)}.jpg"


class Storage(Protocol):
    """What the API and the worker need of a store."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def url(self, key: str) -> str: ...

    def check(self) -> None: ...


class LocalStorage:
    """Files under one directory; URLs point at the API's signed /files route."""

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
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file and a crash leaves none.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix.rstrip("/"))
        if not base.exists():
            return 0
        count = 0
        for path in sorted(base.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
                count += 1
            else:
                path.rmdir()
        base.rmdir()
        return count

    def sign(self, key: str, expires: int) -> str:
        return hmac.new(self._secret, f"{key}:{expires}".encode(), hashlib.sha256).hexdigest()

    def verify(self, key: str, expires: int, signature: str) -> bool:
        return expires >= time.time() and hmac.compare_digest(self.sign(key, expires), signature)

    def url(self, key: str) -> str:
        expires = int(time.time()) + self._expiry_s
        return f"/files/{quote(key)}?expires={expires}&sig={self.sign(key, expires)}"

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"storage directory is not writable: {self.root}")


class R2Storage:
    """A private bucket on R2 (or any S3-compatible endpoint); URLs are presigned GETs."""

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = settings.r2_bucket
        self._expiry_s = settings.r2_url_expiry_s
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

    def _call(self, operation: str, **kwargs: object) -> dict:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404", "NotFound"}:
                raise ObjectNotFound(str(kwargs.get("Key", ""))) from exc
            raise StorageError(f"R2 {operation} failed: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"R2 {operation} failed: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self._call("get_object", Key=key)["Body"].read()

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

    def url(self, key: str) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self._expiry_s
        )

    def check(self) -> None:
        self._call("head_bucket")


def make_storage(settings: Settings) -> Storage:
    """The store the settings name."""
    if settings.storage_backend is StorageBackend.R2:
        return R2Storage(settings)
    return LocalStorage(settings.local_storage_dir, settings.secret_key, settings.r2_url_expiry_s)
