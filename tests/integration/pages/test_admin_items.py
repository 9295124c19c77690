"""The edit items page through its real forms: add (per-field errors, what was typed kept, hostile
images refused with nothing saved), filter by room type, change, activate, delete after asking,
and who may use it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import Role
from catalog.models import EditItem
from core.db import transaction
from core.storage import LocalStorage, web_key
from tests.factories import bomb_png, make_item, photo_bytes
from tests.support.forms import post_form

LIMIT = 1024 * 1024
FIELDS = {
    "name": "Fiddle-leaf fig",
    "room_types": ["living_room", "bedroom"],
    "prompt": "a tall fiddle-leaf fig in a white pot",
    "active": "yes",
}


@pytest.fixture
def web_settings(settings):
    """The pages' settings, with a 1 MB upload limit."""
    return settings.model_copy(update={"min_upload_side_px": 32, "max_upload_bytes": LIMIT})


def _add(client, fields: dict | None = None, image: bytes = b""):
    files = {"reference_image": ("fig.jpg" if image else "", image, "image/jpeg")}
    return post_form(client, "/admin/items", fields if fields is not None else FIELDS, files=files)


def _items(session_factory) -> list[EditItem]:
    with session_factory() as session:
        return list(session.scalars(select(EditItem).order_by(EditItem.id)))


def test_a_merchandiser_adds_an_item_and_sees_it_listed(
    make_web_user, session_factory, web_settings
):
    _, client = make_web_user(Role.MERCHANDISER)
    response = _add(client, image=photo_bytes(width=400, height=300))
    assert response.status_code == 303, response.text
    (item,) = _items(session_factory)
    assert (item.name, item.room_types, item.prompt, item.is_active) == (
        "Fiddle-leaf fig", ["living_room", "bedroom"], "a tall fiddle-leaf fig in a white pot",
        True)  # fmt: skip
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert item.reference_image_key and storage.exists(web_key(item.reference_image_key))
    page = client.get("/admin/items")
    assert "Added “Fiddle-leaf fig”." in page.text
    assert 'alt="Reference image of “Fiddle-leaf fig”"' in page.text
    assert "Living room, Bedroom" in page.text
    assert 'aria-current="page">Edit items</a>' in page.text


def test_the_empty_form_names_every_missing_field(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    response = _add(client, {"name": "", "prompt": ""})
    assert response.status_code == 422
    for field in ("name", "room_types", "prompt"):
        assert f'id="{field}-error"' in response.text, field
    assert "Name is required." in response.text
    assert "Choose at least one room type." in response.text
    assert 'id="reference_image-error"' not in response.text  # the image is optional
    assert _items(session_factory) == []


def test_a_bad_prompt_and_an_unknown_room_type_are_told_per_field(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    fields = {**FIELDS, "room_types": ["attic"], "prompt": "a {room_type} lamp"}
    response = _add(client, fields)
    assert response.status_code == 422
    assert 'id="room_types-error"' in response.text and "Unknown room type attic" in response.text
    assert 'id="prompt-error"' in response.text and "no placeholders" in response.text
    assert 'value="Fiddle-leaf fig"' in response.text  # what was typed is kept
    assert _items(session_factory) == []


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda: b"%PDF-1.4 not a picture", 415, "must be a JPEG, PNG or WebP image"),
        (lambda: photo_bytes(width=400, height=300) + b"\0" * LIMIT, 413, "larger than 1 MB"),
        (bomb_png, 413, "more than"),
        (lambda: photo_bytes(width=400, height=100), 422, "at least 224 pixels"),
    ],
    ids=["not-an-image", "too-big", "decompression-bomb", "too-small"],
)
def test_hostile_images_get_a_clear_4xx_and_nothing_is_saved(
    make_web_user, session_factory, web_settings, make, status, words
):
    _, client = make_web_user(Role.MERCHANDISER)
    response = _add(client, image=make())
    assert response.status_code == status, response.text
    assert 'id="reference_image-error"' in response.text and words in response.text
    assert _items(session_factory) == []
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert storage.keys("edit-items/") == []


def test_filter_change_toggle_and_delete_after_asking(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    with transaction(session_factory) as session:
        lamp = make_item(session, name="Floor lamp", room_types=["bedroom"])
        stools = make_item(session, name="Bar stools", room_types=["kitchen"])
    page = client.get("/admin/items?room_type=kitchen").text
    assert "Bar stools" in page and "Floor lamp" not in page
    assert '<option value="kitchen" selected>' in page
    assert "Floor lamp" in client.get("/admin/items?room_type=nowhere").text  # no filter

    form = client.get(f"/admin/items/{lamp.id}").text
    assert 'value="Floor lamp"' in form and 'value="bedroom" checked' in form
    bad = post_form(client, f"/admin/items/{lamp.id}", {**FIELDS, "name": ""})
    assert bad.status_code == 422 and 'id="name-error"' in bad.text
    assert _items(session_factory)[0].name == "Floor lamp"
    saved = post_form(client, f"/admin/items/{lamp.id}", {**FIELDS, "name": "Arc lamp"})
    assert saved.status_code == 303
    assert _items(session_factory)[0].name == "Arc lamp"

    toggled = post_form(client, f"/admin/items/{stools.id}/active", {"active": "no"})
    assert toggled.status_code == 303
    assert _items(session_factory)[1].is_active is False
    assert "inactive" in client.get("/admin/items").text

    asked = post_form(client, f"/admin/items/{stools.id}/delete")
    assert asked.status_code == 200 and "Delete “Bar stools”?" in asked.text
    assert len(_items(session_factory)) == 2
    done = post_form(client, f"/admin/items/{stools.id}/delete", {"confirm": "yes"})
    assert done.status_code == 303
    assert [i.name for i in _items(session_factory)] == ["Arc lamp"]
    assert client.get(f"/admin/items/{stools.id}").status_code == 404


def test_agents_may_not_use_the_page_and_forms_need_their_token(make_web_user, session_factory):
    _, agent = make_web_user(Role.AGENT)
    assert agent.get("/admin/items").status_code == 403
    assert _add(agent).status_code == 403
    assert "/admin/items" not in agent.get("/jobs").text  # not in an agent's menu
    _, merchandiser = make_web_user(Role.MERCHANDISER)
    forged = merchandiser.post("/admin/items", data=FIELDS, follow_redirects=False)
    assert forged.status_code == 403 and "Form expired" in forged.text
    assert _items(session_factory) == []
