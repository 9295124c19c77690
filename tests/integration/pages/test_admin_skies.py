"""The sky library page through its real forms: upload, hostile uploads (clear 4xx, nothing
saved), activate, delete after asking, and who may use it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import Role
from catalog.models import Sky
from core.storage import LocalStorage, web_key
from tests.factories import bomb_png, sky_jpeg
from tests.support.forms import post_form

LIMIT = 1024 * 1024
FIELDS = {"name": "Harbour blue", "licence": "CC0", "credit": "Jo Photographer", "active": "yes"}


@pytest.fixture
def web_settings(settings):
    """The pages' settings, with a 1 MB upload limit."""
    return settings.model_copy(update={"min_upload_side_px": 32, "max_upload_bytes": LIMIT})


def _upload(client, data: bytes, fields: dict | None = None, filename: str = "sky.jpg"):
    files = {"image": (filename, data, "image/jpeg")}
    return post_form(client, "/admin/skies", fields if fields is not None else FIELDS, files=files)


def _skies(session_factory) -> list[Sky]:
    with session_factory() as session:
        return list(session.scalars(select(Sky)))


def test_a_merchandiser_adds_a_sky_and_sees_it_listed(make_web_user, session_factory, web_settings):
    _, client = make_web_user(Role.MERCHANDISER)
    response = _upload(client, sky_jpeg(1200, 800))
    assert response.status_code == 303, response.text
    (sky,) = _skies(session_factory)
    assert (sky.name, sky.licence, sky.credit, sky.is_active) == (
        "Harbour blue",
        "CC0",
        "Jo Photographer",
        True,
    )
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert storage.get(sky.image_key)[:2] == b"\xff\xd8"
    page = client.get("/admin/skies")
    assert "Added the sky “Harbour blue”." in page.text
    assert 'alt="The sky “Harbour blue”"' in page.text
    thumb = re.search(r'<img class="sky-thumb" src="([^"]+)"', page.text).group(1)
    assert web_key(sky.image_key).split("/")[-1] in thumb
    assert client.get(thumb.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda: b"%PDF-1.4 not a picture", 415, "must be a JPEG, PNG or WebP image"),
        (lambda: sky_jpeg() + b"\0" * LIMIT, 413, "is larger than 1 MB"),
        (bomb_png, 413, "more than"),
        (lambda: sky_jpeg(800, 600), 422, "at least 1024 pixels wide"),
    ],
    ids=["not-an-image", "too-big", "decompression-bomb", "too-narrow"],
)
def test_hostile_uploads_get_a_clear_4xx_and_nothing_is_saved(
    make_web_user, session_factory, web_settings, make, status, words
):
    _, client = make_web_user(Role.MERCHANDISER)
    response = _upload(client, make())
    assert response.status_code == status, response.text
    assert 'id="image-error"' in response.text and words in response.text
    assert 'value="Harbour blue"' in response.text  # what was typed is kept
    assert _skies(session_factory) == []
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert storage.keys("skies/") == []


def test_the_empty_form_names_every_missing_field(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    empty = {"name": "", "licence": "", "credit": ""}
    response = post_form(
        client, "/admin/skies", empty, files={"image": ("", b"", "application/octet-stream")}
    )
    assert response.status_code == 422
    for field in ("name", "licence", "image"):
        assert f'id="{field}-error"' in response.text, field
    assert "Name is required." in response.text and "Licence is required." in response.text
    assert _skies(session_factory) == []


def test_toggle_and_delete_after_asking(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    assert _upload(client, sky_jpeg()).status_code == 303
    (sky,) = _skies(session_factory)
    assert post_form(client, f"/admin/skies/{sky.id}/active", {"active": "no"}).status_code == 303
    assert _skies(session_factory)[0].is_active is False
    assert "inactive" in client.get("/admin/skies").text

    asked = post_form(client, f"/admin/skies/{sky.id}/delete")
    assert asked.status_code == 200 and "Delete the sky “Harbour blue”?" in asked.text
    assert _skies(session_factory) != []
    done = post_form(client, f"/admin/skies/{sky.id}/delete", {"confirm": "yes"})
    assert done.status_code == 303
    assert _skies(session_factory) == []
    assert post_form(client, f"/admin/skies/{sky.id}/active", {"active": "yes"}).status_code == 404


def test_agents_may_not_use_the_library_and_forms_need_their_token(make_web_user, session_factory):
    _, agent = make_web_user(Role.AGENT)
    assert agent.get("/admin/skies").status_code == 403
    assert _upload(agent, sky_jpeg()).status_code == 403
    _, merchandiser = make_web_user(Role.MERCHANDISER)
    files = {"image": ("sky.jpg", sky_jpeg(), "image/jpeg")}
    forged = merchandiser.post("/admin/skies", data=FIELDS, files=files, follow_redirects=False)
    assert forged.status_code == 403 and "Form expired" in forged.text
    assert _skies(session_factory) == []
