"""The edit items service and its seed, on both databases: fields and images checked before
anything is written, images stored under a new key per upload, lists filtered by room type, and
only an active item offered for the room can be chosen."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from catalog.items import (
    MAX_PROMPT_TOKENS,
    MIN_IMAGE_PX,
    create_item,
    delete_item,
    get_item,
    list_items,
    offered_item,
    set_item_active,
    update_item,
)
from catalog.models import ROOM_TYPES, EditItem
from catalog.seed import load_seed_items, seed_items
from core.db import transaction
from core.errors import Invalid, NotFound
from core.images import ImageRejected
from core.storage import LocalStorage, web_key
from tests.factories import bomb_png, photo_bytes

FIELDS = {"name": "Fiddle-leaf fig", "room_types": ["living_room"], "prompt": "a tall fig tree"}


@pytest.fixture
def storage(settings) -> LocalStorage:
    return LocalStorage(settings.local_storage_dir, settings.secret_key)


def test_an_item_is_stored_with_its_reference_image(session_factory, storage, settings):
    with transaction(session_factory) as session:
        item = create_item(session, storage, settings, FIELDS, photo_bytes(width=400, height=300))
    with session_factory() as session:
        stored = get_item(session, item.id)
        assert (stored.name, stored.room_types, stored.prompt) == tuple(FIELDS.values())
        assert stored.is_active and stored.created_at and stored.updated_at
        key = stored.reference_image_key
    assert key and key.startswith(f"edit-items/{item.id}/")
    image = Image.open(io.BytesIO(storage.get(key)))
    assert (image.format, image.size) == ("JPEG", (400, 300))
    assert storage.exists(web_key(key))


def test_an_item_needs_no_image_and_a_new_image_gets_a_new_key(session_factory, storage, settings):
    with transaction(session_factory) as session:
        item = create_item(session, storage, settings, FIELDS)
        assert item.reference_image_key is None
        update_item(
            session, storage, settings, item, FIELDS, image=photo_bytes(width=300, height=300)
        )
        first = item.reference_image_key
        update_item(session, storage, settings, item, {**FIELDS, "name": "Fig"},
                    image=photo_bytes(width=320, height=300))  # fmt: skip
        second = item.reference_image_key
    assert first and second and first != second
    assert storage.exists(first)  # a queued edit that chose the item still reads it
    with transaction(session_factory) as session:
        item = get_item(session, item.id)
        assert item.name == "Fig"
        update_item(session, storage, settings, item, FIELDS, drop_image=True)
    with session_factory() as session:
        assert get_item(session, item.id).reference_image_key is None


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({**FIELDS, "name": "  "}, "name", "at least 1"),
        ({**FIELDS, "room_types": []}, "room_types", "at least 1"),
        ({**FIELDS, "room_types": ["attic"]}, "room_types", "unknown room type attic"),
        ({**FIELDS, "prompt": ""}, "prompt", "at least 3"),
        ({**FIELDS, "prompt": "a {room_type} chair"}, "prompt", "no placeholders"),
        ({**FIELDS, "prompt": "chair, " * 28}, "prompt", f"at most {MAX_PROMPT_TOKENS}"),
        ({**FIELDS, "colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(
    session_factory, storage, settings, fields, field, words
):
    with transaction(session_factory) as session:
        with pytest.raises(Invalid) as caught:
            create_item(session, storage, settings, fields)
        assert caught.value.field == field and words in caught.value.message, caught.value.message
    with session_factory() as session:
        assert list(session.scalars(select(EditItem))) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not an image", "unsupported_format"),
        (photo_bytes(width=MIN_IMAGE_PX - 1, height=400), "too_small"),
        (bomb_png(), "too_many_pixels"),
    ],
)
def test_bad_reference_images_are_refused_and_nothing_is_written(
    session_factory, storage, settings, data, code
):
    with transaction(session_factory) as session:
        with pytest.raises(ImageRejected) as caught:
            create_item(session, storage, settings, FIELDS, data)
        assert (caught.value.code, caught.value.field) == (code, "reference_image")
    with session_factory() as session:
        assert list(session.scalars(select(EditItem))) == []
    assert storage.keys("edit-items/") == []


def test_list_filter_activate_offer_and_delete(session_factory, storage, settings):
    with transaction(session_factory) as session:
        rooms = ["living_room", "bedroom"]
        lamp = create_item(
            session, storage, settings, {**FIELDS, "name": "Lamp", "room_types": rooms}
        )
        stool = create_item(session, storage, settings,
                            {**FIELDS, "name": "Stool", "room_types": ["kitchen"]})  # fmt: skip
        set_item_active(session, stool, False)
    with session_factory() as session:
        assert [i.name for i in list_items(session)] == ["Lamp", "Stool"]
        assert [i.name for i in list_items(session, room_type="bedroom")] == ["Lamp"]
        assert [i.name for i in list_items(session, room_type="kitchen", active=True)] == []
        assert offered_item(session, lamp.id, "bedroom").name == "Lamp"
        for item_id, room, words in [
            (None, "bedroom", "choose the piece"),
            (stool.id, "kitchen", "no piece"),  # inactive
            (lamp.id, "kitchen", "not offered for a kitchen"),
            (999999, "bedroom", "no piece"),
        ]:
            with pytest.raises(Invalid) as caught:
                offered_item(session, item_id, room)
            assert caught.value.field == "item" and words in caught.value.message
    with transaction(session_factory) as session:
        delete_item(session, get_item(session, lamp.id))
    with session_factory() as session, pytest.raises(NotFound):
        get_item(session, lamp.id)


def test_the_seed_fills_an_empty_list_once_and_covers_every_room_type(
    session_factory, storage, settings
):
    seeded = load_seed_items()
    assert {room for item in seeded for room in item["room_types"]} == set(ROOM_TYPES)
    with transaction(session_factory) as session:
        created, present = seed_items(session, storage, settings)
    assert (len(created), present) == (len(seeded), [])
    with transaction(session_factory) as session:
        assert seed_items(session, storage, settings) == ([], created)
        delete_item(session, list_items(session)[0])
    with transaction(session_factory) as session:
        assert seed_items(session, storage, settings)[0] == []  # a curated list is kept
