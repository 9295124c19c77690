"""The disclosure each mode shows on its job page and writes to the MLS zip's caption.txt comes
from one owner (core.disclosure), and is true to what was done and to what the original shows."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest

from core import disclosure
from core.db import transaction
from core.settings import DisclosureWording, Settings
from jobs.models import Job, JobMode
from tests.factories import completed_job

CAPTION_RE = re.compile(r'<textarea id="mls-caption"[^>]*>(.*?)</textarea>', re.S)


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "min_upload_side_px": 32,
            "mls_long_edge_px": 0,
            "disclosure": {"restage": DisclosureWording(caption="Furniture swapped by software.")},
        }
    )


def page_caption(client, job_id: int) -> str:
    match = CAPTION_RE.search(client.get(f"/jobs/{job_id}").text)
    assert match, "no caption on the job page"
    return html.unescape(match.group(1))


def listing_zip(client, listing: str) -> zipfile.ZipFile:
    response = client.get("/listings/mls.zip", params={"listing": listing})
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


@pytest.mark.parametrize(
    ("mode", "caption", "word"),
    [
        (JobMode.STAGE, disclosure.DEFAULTS["stage"].caption, "staged"),
        (JobMode.DECLUTTER, disclosure.DEFAULTS["declutter"].caption, "decluttered"),
        (JobMode.RESTAGE, "Furniture swapped by software.", "restaged"),
        (JobMode.ENHANCE, disclosure.DEFAULTS["enhance"].caption, "enhanced"),
        (JobMode.SKY, disclosure.DEFAULTS["sky"].caption, "sky-replaced"),
        (JobMode.TWILIGHT, disclosure.DEFAULTS["twilight"].caption, "twilight"),
    ],
)
def test_each_mode_captions_its_page_and_its_zip(
    make_web_user, session_factory, web_settings, style, mode, caption, word
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    listing = f"1 {mode.value} Street"
    with transaction(session_factory) as session:
        row = session.get(Job, job.id)
        row.mode, row.listing, row.room_type = mode, listing, "bedroom"

    assert page_caption(client, job.id) == caption
    archive = listing_zip(client, listing)
    assert archive.read("caption.txt").decode() == caption + "\n"
    assert archive.namelist()[1:] == [
        "01-bedroom-original.jpg",
        f"01-bedroom-{word}.jpg",
        f"01-bedroom-{word}-2.jpg",
    ]


def test_a_listing_of_mixed_modes_captions_each_photo(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    jobs = [completed_job(session_factory, web_settings, user=user, style=style) for _ in "ab"]
    with transaction(session_factory) as session:
        for job, mode in zip(jobs, (JobMode.STAGE, JobMode.DECLUTTER), strict=True):
            row = session.get(Job, job.id)
            row.mode, row.listing = mode, "Mixed Row"
    text = listing_zip(client, "Mixed Row").read("caption.txt").decode()
    assert text.splitlines() == [
        f"Photo 01: {disclosure.DEFAULTS['stage'].caption}",
        f"Photo 02: {disclosure.DEFAULTS['declutter'].caption}",
    ]
