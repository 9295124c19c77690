"""The MLS zip streamed by a real API process: bounded memory for a 50-job listing, scaled copies
kept in storage, at most MAX_DOWNLOADS at once per user, and listings in any script."""

from __future__ import annotations

import io
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import httpx
import numpy as np
import pytest
from PIL import Image

from api.pages.mls import MAX_DOWNLOADS, content_disposition
from core.db import transaction
from core.storage import LocalStorage, job_input_key, job_result_key, sized_key
from jobs.models import JobState
from tests.factories import PASSWORD, completed_job, encode, make_job, make_style, make_user
from tests.support.forms import csrf_of
from tests.support.processes import ApiServer, dev_api, wait_for

JOBS = 50
LONG_EDGE = 1024
PEAK_GROWTH_BOUND_MB = 32  # the zip is about 50 MB: built whole in memory it passes the bound


@pytest.fixture
def api(settings, engine, tmp_path: Path) -> Iterator[ApiServer]:
    with dev_api(settings, tmp_path / "api.log", MLS_LONG_EDGE_PX=LONG_EDGE) as server:
        yield server


def rss_mb(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(field + r":\s+(\d+) kB", status)
    assert match, field
    return int(match[1]) / 1024


def reset_peak_rss(pid: int) -> None:
    """Start VmHWM again from the current resident size (Linux 4.0+: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@contextmanager
def signed_in(url: str, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=300) as client:
        csrf = csrf_of(client.get("/sign-in").text)
        form = {"email": email, "password": PASSWORD, "csrf_token": csrf, "next": "/"}
        assert client.post("/sign-in", data=form).status_code == 303
        yield client


def download(client: httpx.Client, listing: str) -> tuple[int, list[str], int]:
    """Status, names in the zip and its size, read as a stream and spooled to disk."""
    with tempfile.TemporaryFile() as spool:
        with client.stream("GET", "/listings/mls.zip", params={"listing": listing}) as response:
            if response.status_code != 200:
                response.read()
                return response.status_code, [], 0
            for chunk in response.iter_bytes():
                spool.write(chunk)
        with zipfile.ZipFile(spool) as archive:
            return 200, archive.namelist(), spool.tell()


def big_listing(session_factory, settings, user, listing: str, jobs: int) -> list[str]:
    """`jobs` finished jobs of one listing, each a 2400x1800 photo and one result."""
    pixels = np.random.default_rng(1).integers(0, 255, (1800, 2400, 3), dtype=np.uint8)
    photo = encode(Image.fromarray(pixels), "JPEG", quality=90)
    storage = LocalStorage(Path(settings.local_storage_dir), settings.secret_key)
    keys = []
    with transaction(session_factory) as session:
        style = make_style(session)
        for _ in range(jobs):
            job = make_job(
                session,
                user=user,
                style=style,
                state=JobState.COMPLETED,
                listing=listing,
                input_key="",
                input_width=2400,
                input_height=1800,
            )
            job.input_key = job_input_key(job.id)
            job.result_keys = [job_result_key(job.id, 1, 1)]
            for key in (job.input_key, *job.result_keys):
                storage.put(key, photo, "image/jpeg")
                keys.append(key)
    return keys


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_50_job_listing_streams_in_bounded_memory_and_keeps_its_scaled_copies(
    api, session_factory, settings
):
    with transaction(session_factory) as session:
        user = make_user(session)
    big_listing(session_factory, settings, user, "warm-up", 1)
    keys = big_listing(session_factory, settings, user, "14 Long Street", JOBS)
    storage = LocalStorage(Path(settings.local_storage_dir), settings.secret_key)
    with signed_in(api.url, user.email) as client:
        assert download(client, "warm-up")[0] == 200  # imports and codecs loaded
        reset_peak_rss(api.proc.pid)
        before = rss_mb(api.proc.pid, "VmRSS")
        status, names, size = download(client, "14 Long Street")
        growth = rss_mb(api.proc.pid, "VmHWM") - before
        print(f"\nzip of {len(names)} entries, {size / 1e6:.0f} MB; peak RSS grew {growth:.1f} MB")
        assert status == 200 and len(names) == 1 + 2 * JOBS
        assert size > 1.5 * PEAK_GROWTH_BOUND_MB * 1e6  # held whole, it would pass the bound
        assert growth < PEAK_GROWTH_BOUND_MB, growth
        assert all(storage.exists(sized_key(key, LONG_EDGE, settings.jpeg_quality)) for key in keys)
        with (
            zipfile.ZipFile(
                io.BytesIO(
                    client.get("/listings/mls.zip", params={"listing": "14 Long Street"}).content
                )
            ) as again,
            Image.open(io.BytesIO(again.read(again.namelist()[1]))) as image,
        ):
            assert max(image.size) == LONG_EDGE


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_user_runs_at_most_max_downloads_at_once(api, session_factory, settings):
    with transaction(session_factory) as session:
        user = make_user(session)
    big_listing(session_factory, settings, user, "Slow Lane", 6)
    started, answers = threading.Barrier(MAX_DOWNLOADS + 1), []

    def fetch() -> None:
        with (
            signed_in(api.url, user.email) as client,
            client.stream("GET", "/listings/mls.zip", params={"listing": "Slow Lane"}) as response,
        ):
            answers.append(response.status_code)
            chunks = response.iter_raw(1)
            next(chunks)
            started.wait(timeout=120)  # hold the download open until all have asked
            for _ in chunks:
                pass

    threads = [threading.Thread(target=fetch) for _ in range(MAX_DOWNLOADS)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(answers) == MAX_DOWNLOADS, timeout_s=120, what="downloads started")
    with signed_in(api.url, user.email) as client:
        refused = client.get("/listings/mls.zip", params={"listing": "Slow Lane"})
    started.wait(timeout=120)
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [200] * MAX_DOWNLOADS
    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] and "already downloading" in refused.text
    with signed_in(api.url, user.email) as client:
        assert download(client, "Slow Lane")[0] == 200  # the count went down again


NON_LATIN = [
    "東京タワー 3F",
    "Łódź, ul. Piotrkowska 1",
    "Αθήνα 12",
    "תל אביב",
    "🏠 Villa",
    "مدينة 7",
]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("listing", NON_LATIN)
def test_a_listing_in_any_script_downloads(
    make_web_user, session_factory, web_settings, style, listing
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        session.merge(job).listing = listing
    response = client.get("/listings/mls.zip", params={"listing": listing})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    disposition.encode("latin-1")
    plain = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert plain.isascii() and plain.startswith("mls-") and plain.endswith(".zip")
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    letters = [c for c in listing.lower() if c.isalpha()]
    assert unquote(encoded).startswith("mls-") and all(c in unquote(encoded) for c in letters)
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == 4


def test_content_disposition_keeps_the_listings_letters():
    assert content_disposition("Łódź 5") == (
        "attachment; filename=\"mls-odz-5.zip\"; filename*=UTF-8''mls-%C5%82%C3%B3d%C5%BA-5.zip"
    )
    assert 'filename="mls-listing.zip"' in content_disposition("東京")
