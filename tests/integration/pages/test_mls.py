"""MLS-ready output: disclosure on by default, the caption, the per-listing zip named for upload
and sized to the long edge, and a deployment that offers labelled copies only."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from core.db import transaction
from core.settings import Settings
from tests.factories import completed_job

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
LONG_EDGE = 64


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "min_upload_side_px": 32,
            "mls_long_edge_px": LONG_EDGE,
            "offer_clean_copy": False,
            "mls_caption": "Virtually staged. Original photo included.",
        }
    )


def test_listing_zip_pairs_each_original_with_its_staged_photo(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    other_user, _ = make_web_user()
    jobs = [completed_job(session_factory, web_settings, user=user, style=style) for _ in range(3)]
    foreign = completed_job(session_factory, web_settings, user=other_user, style=style)
    with transaction(session_factory) as session:
        for job, listing, room in zip(
            [*jobs, foreign],
            ["12 Harbour St", "12 Harbour St", "Elsewhere", "12 Harbour St"],
            ["living_room", "kitchen", "bedroom", "bedroom"],
            strict=True,
        ):
            session.merge(job).listing = listing
            session.merge(job).room_type = room

    page = client.get(f"/jobs/{jobs[0].id}").text
    assert "Virtually staged. Original photo included." in page
    assert 'href="/listings/mls.zip?listing=12%20Harbour%20St"' in page

    response = client.get("/listings/mls.zip", params={"listing": "12 Harbour St"})
    assert response.status_code == 200
    assert 'filename="mls-12-harbour-st.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [
        "caption.txt",
        "01-living-room-original.jpg",
        "01-living-room-staged.jpg",
        "01-living-room-staged-2.jpg",
        "02-kitchen-original.jpg",
        "02-kitchen-staged.jpg",
        "02-kitchen-staged-2.jpg",
    ]
    assert archive.read("caption.txt").decode() == "Virtually staged. Original photo included.\n"
    for name in archive.namelist()[1:]:
        with Image.open(io.BytesIO(archive.read(name))) as image:
            assert max(image.size) == LONG_EDGE, name

    missing = client.get("/listings/mls.zip", params={"listing": "Nowhere"})
    assert missing.status_code == 404
    assert "no finished photos" in missing.text


def test_a_labelled_only_deployment_offers_no_clean_copy(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        session.merge(job).has_clean_copies = True
    assert "Download without label" not in client.get(f"/jobs/{job.id}").text
    response = client.get(f"/jobs/{job.id}/download/1?clean=1")
    assert response.status_code == 403
    assert "with the label only" in response.text
    assert client.get(f"/jobs/{job.id}/download/1").status_code == 200
