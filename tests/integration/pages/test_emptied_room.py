"""A removal's result is staged as a child job: its photo is the chosen result's clean copy, the
two jobs link to each other, the child discloses a replacement of furniture, and the MLS zip
pairs the child with the photo of the real room. Removal jobs are titled as removals and offer
no style buttons that would remove the furniture again."""

from __future__ import annotations

import io
import zipfile

import pytest

from core import disclosure
from core.db import transaction
from core.settings import Settings
from core.storage import LocalStorage, job_result_key, rendition_key
from jobs.models import Job, JobMode, JobState
from tests.factories import completed_job, make_style, photo_bytes
from tests.integration.pages.test_disclosure_pages import page_caption
from tests.support.forms import post_form


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"min_upload_side_px": 32, "mls_long_edge_px": 0})


def emptied(session_factory, settings, user, style) -> Job:
    """A completed 2-variant declutter with clean copies of its results."""
    storage = LocalStorage(settings.local_storage_dir, settings.secret_key)
    job = completed_job(session_factory, settings, user=user, style=style)
    with transaction(session_factory) as session:
        row = session.get_one(Job, job.id)
        row.mode, row.listing, row.has_clean_copies = JobMode.DECLUTTER, "4 Empty Lane", True
        for n in (1, 2):
            storage.put(
                rendition_key(job_result_key(job.id, 1, n), "clean"),
                photo_bytes(width=90 + n),
                "image/jpeg",
            )
        return row


def test_stage_the_emptied_room_of_a_chosen_variant(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    with transaction(session_factory) as session:
        make_style(session, slug="coastal", name="Coastal", room_types=["patio"])
    parent = emptied(session_factory, web_settings, user, style)
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)

    page = client.get(f"/jobs/{parent.id}").text
    assert "Living room · Furniture removed" in page
    assert "Stage this emptied room" in page and "Remove again (a fresh try)" in page
    assert f'action="/jobs/{parent.id}/restage"' not in page  # no style buttons
    assert 'value="coastal"' not in page  # only styles that offer the room
    assert "Again in this style" not in page

    response = post_form(
        client, f"/jobs/{parent.id}/stage-result", {"variant": "2", "style": "modern"}
    )
    assert response.status_code == 303
    child_id = int(response.headers["location"].rsplit("/", 1)[1])
    with session_factory() as session:
        child = session.get(Job, child_id)
        assert (child.parent_job_id, child.parent_variant) == (parent.id, 2)
        assert (child.mode, child.state, child.room_type) == (
            JobMode.STAGE,
            JobState.PENDING,
            parent.room_type,
        )
        assert disclosure.kind_of(child.mode, child.style_snapshot) == "restage"
        clean = storage.get(rendition_key(parent.result_keys[1], "clean"))
        assert storage.get(child.input_key) == clean

    child_page = client.get(f"/jobs/{child_id}").text
    assert f'href="/jobs/{parent.id}">variant 2 of job #{parent.id}</a>' in child_page
    assert "The emptied room" in child_page
    assert f'href="/jobs/{child_id}">Job #{child_id}</a>' in client.get(f"/jobs/{parent.id}").text
    api = client.get(f"/api/v1/jobs/{child_id}").json()
    assert (api["parent_job_id"], api["parent_variant"]) == (parent.id, 2)

    # Finished, the child discloses a replacement and is paired with the real room's photo.
    with transaction(session_factory) as session:
        row = session.get(Job, child_id)
        row.state, row.result_keys = JobState.COMPLETED, [job_result_key(child_id, 1, 1)]
        storage.put(row.result_keys[0], photo_bytes(width=99), "image/jpeg")
    archive = zipfile.ZipFile(
        io.BytesIO(client.get("/listings/mls.zip", params={"listing": "4 Empty Lane"}).content)
    )
    assert archive.read("caption.txt").decode().splitlines() == [
        f"Photo 01: {disclosure.DEFAULTS['declutter'].caption}",
        f"Photo 02: {disclosure.DEFAULTS['restage'].caption}",
    ]
    assert "02-living-room-restaged.jpg" in archive.namelist()
    assert archive.read("02-living-room-original.jpg") == storage.get(parent.input_key)
    assert page_caption(client, child_id) == disclosure.DEFAULTS["restage"].caption
    again = post_form(client, f"/jobs/{child_id}/again")
    with session_factory() as session:
        grandchild = session.get(Job, int(again.headers["location"].rsplit("/", 1)[1]))
        assert grandchild.parent_job_id == parent.id  # still made from that emptied room
        assert disclosure.kind_of(grandchild.mode, grandchild.style_snapshot) == "restage"


def test_only_a_finished_removal_can_be_staged(make_web_user, session_factory, web_settings, style):
    user, client = make_web_user()
    staged = completed_job(session_factory, web_settings, user=user, style=style)
    response = post_form(
        client, f"/jobs/{staged.id}/stage-result", {"variant": "1", "style": "modern"}
    )
    assert response.status_code == 303 and response.headers["location"] == f"/jobs/{staged.id}"
    parent = emptied(session_factory, web_settings, user, style)
    missing = post_form(
        client, f"/jobs/{parent.id}/stage-result", {"variant": "3", "style": "modern"}
    )
    assert missing.headers["location"] == f"/jobs/{parent.id}"
    with session_factory() as session:
        assert session.query(Job).filter(Job.parent_job_id.is_not(None)).count() == 0
    _, other_client = make_web_user()
    assert (
        post_form(
            other_client, f"/jobs/{parent.id}/stage-result", {"variant": "1", "style": "modern"}
        ).status_code
        == 404
    )
