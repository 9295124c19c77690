"""LocalStorage: keys stay inside the root, writes are atomic, URLs are signed and expire."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from core.storage import (
    LocalStorage,
    ObjectNotFound,
    StorageError,
    attempt_of,
    job_input_key,
    job_prefix,
    job_result_key,
    rendition_key,
)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "store", "s" * 40, url_expiry_s=600)


@pytest.mark.parametrize("key", ["../x", "jobs/../../x", "/etc/passwd", "", "."])
def test_keys_escaping_the_root_are_refused(storage: LocalStorage, key: str) -> None:
    with pytest.raises(ValueError, match="escapes the storage root"):
        storage.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError, match="escapes the storage root"):
        storage.get(key)
    assert not (storage.root.parent / "x").exists()


def test_put_replaces_atomically_and_leaves_no_temp_file(storage: LocalStorage) -> None:
    key = job_input_key(1)
    storage.put(key, b"old", "image/jpeg")
    with pytest.raises(TypeError):
        storage.put(key, "not bytes", "image/jpeg")  # type: ignore[arg-type]
    assert storage.get(key) == b"old"
    storage.put(key, b"new", "image/jpeg")
    assert storage.get(key) == b"new"
    assert [p.name for p in (storage.root / "jobs" / "1").iterdir()] == ["input.jpg"]


def test_missing_key_is_object_not_found(storage: LocalStorage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.get(job_input_key(9))
    assert not storage.exists(job_input_key(9))
    storage.put(job_input_key(10), b"photo", "image/jpeg")
    assert storage.exists(job_input_key(10))


def test_attempt_keys_and_renditions_and_listing(storage: LocalStorage) -> None:
    key = job_result_key(4, 2, 1)
    assert key == "jobs/4/a2/result-1.jpg" and attempt_of(key) == 2
    assert (
        job_result_key(4, 2, 1, "clean")
        == rendition_key(key, "clean")
        == "jobs/4/a2/result-1-clean.jpg"
    )
    assert attempt_of(job_input_key(4)) is None
    storage.put(key, b"r", "image/jpeg")
    storage.put(job_input_key(4), b"i", "image/jpeg")
    assert storage.keys(job_prefix(4)) == [key, job_input_key(4)]


def test_os_errors_are_storage_errors(storage: LocalStorage) -> None:
    storage.put(job_input_key(6), b"i", "image/jpeg")
    with pytest.raises(StorageError, match="cannot read"):
        storage.get("jobs/6")  # a directory
    with pytest.raises(StorageError, match="cannot write"):
        storage.put("jobs/6/input.jpg/result.jpg", b"x", "image/jpeg")  # a file as a directory


def test_delete_prefix_removes_only_that_job(storage: LocalStorage) -> None:
    storage.put(job_input_key(1), b"a", "image/jpeg")
    storage.put(job_result_key(1, 1, 0), b"b", "image/jpeg")
    storage.put(job_input_key(10), b"c", "image/jpeg")
    assert storage.delete_prefix(job_prefix(1)) == 2
    assert not (storage.root / "jobs" / "1").exists()
    assert storage.delete_prefix(job_prefix(1)) == 0
    assert storage.get(job_input_key(10)) == b"c"


def test_signed_url_verifies_only_unchanged_and_unexpired(storage: LocalStorage) -> None:
    key = job_result_key(3, 1, 0)
    url = urlparse(storage.url(key))
    query = parse_qs(url.query)
    expires, sig = int(query["expires"][0]), query["sig"][0]
    assert unquote(url.path) == f"/files/{key}"
    assert expires > time.time()
    assert storage.verify(key, expires, sig)
    assert not storage.verify(key, expires, sig[:-1] + ("0" if sig[-1] != "0" else "1"))
    assert not storage.verify(job_result_key(3, 1, 1), expires, sig)
    assert not storage.verify(key, expires + 1, sig)
    past = int(time.time()) - 1
    assert not storage.verify(key, past, storage.sign(key, past))
    other = LocalStorage(storage.root, "t" * 40)
    assert not other.verify(key, expires, sig)
