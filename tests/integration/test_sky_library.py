"""The sky library service and its seed, on both databases: fields and images checked before
anything is written, images stored with a web rendition, generated skies seeded once."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from catalog.generated_skies import LOOKS
from catalog.models import Sky
from catalog.seed import GENERATED_LICENCE, seed_skies
from catalog.skies import (
    MIN_SKY_WIDTH_PX,
    create_sky,
    delete_sky,
    get_sky,
    list_skies,
    set_sky_active,
)
from core.db import transaction
from core.errors import Invalid, NotFound
from core.images import ImageRejected
from core.storage import LocalStorage, web_key
from tests.factories import bomb_png, sky_jpeg

FIELDS = {"name": "Summer afternoon", "licence": "CC0", "credit": "A. Photographer"}


@pytest.fixture
def storage(settings) -> LocalStorage:
    return LocalStorage(settings.local_storage_dir, settings.secret_key)


def test_a_sky_is_stored_with_its_web_rendition(session_factory, storage, settings):
    with transaction(session_factory) as session:
        sky = create_sky(session, storage, settings, FIELDS, sky_jpeg(1200, 800))
    with session_factory() as session:
        stored = get_sky(session, sky.id)
        assert (stored.name, stored.licence, stored.credit) == tuple(FIELDS.values())
        assert (stored.width, stored.height, stored.is_active) == (1200, 800, True)
    image = Image.open(io.BytesIO(storage.get(stored.image_key)))
    assert (image.format, image.size) == ("JPEG", (1200, 800))
    assert storage.exists(web_key(stored.image_key))


def test_list_activate_and_delete(session_factory, storage, settings):
    with transaction(session_factory) as session:
        a = create_sky(session, storage, settings, {**FIELDS, "name": "B sky"}, sky_jpeg())
        b = create_sky(session, storage, settings, {**FIELDS, "name": "A sky"}, sky_jpeg())
        set_sky_active(session, a, False)
    with session_factory() as session:
        assert [s.name for s in list_skies(session)] == ["A sky", "B sky"]
        assert [s.name for s in list_skies(session, active=True)] == ["A sky"]
        assert [s.name for s in list_skies(session, active=False)] == ["B sky"]
    with transaction(session_factory) as session:
        delete_sky(session, get_sky(session, b.id))
    with session_factory() as session:
        with pytest.raises(NotFound):
            get_sky(session, b.id)
        assert [s.id for s in list_skies(session)] == [a.id]
    assert storage.exists(b.image_key)  # a queued job may still use it


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"licence": ""}, "licence"),
        ({"credit": "x" * 201}, "credit"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(
    session_factory, storage, settings, change, field
):
    with session_factory() as session:
        with pytest.raises(Invalid) as info:
            create_sky(session, storage, settings, {**FIELDS, **change}, sky_jpeg())
        session.rollback()
    assert info.value.field == field and info.value.status == 422
    with session_factory() as session:
        assert session.scalars(select(Sky)).all() == []
    assert storage.keys("skies/") == []


@pytest.mark.parametrize(
    ("make", "code", "status"),
    [
        (lambda: b"<html>not an image</html>", "unsupported_format", 415),
        (lambda: sky_jpeg()[:2000], "corrupt_image", 422),
        (lambda: sky_jpeg(800, 600), "too_small", 422),
        (bomb_png, "too_many_pixels", 413),
        (lambda: sky_jpeg() + b"\0" * 3_000_000, "too_large", 413),
    ],
    ids=["not-an-image", "cut", "too-narrow", "bomb", "too-big"],
)
def test_hostile_images_are_refused_with_a_clear_4xx(
    session_factory, storage, settings, make, code, status
):
    limited = settings.model_copy(update={"max_upload_bytes": 2_000_000})
    with session_factory() as session:
        with pytest.raises(ImageRejected) as info:
            create_sky(session, storage, limited, FIELDS, make())
        session.rollback()
    assert (info.value.code, info.value.status, info.value.field) == (code, status, "image")
    assert info.value.message.startswith("the sky image")
    with session_factory() as session:
        assert session.scalars(select(Sky)).all() == []
    assert storage.keys("skies/") == []


def test_the_generated_skies_are_seeded_into_an_empty_library_once(
    session_factory, storage, settings
):
    with transaction(session_factory) as session:
        created, present = seed_skies(session, storage, settings)
    assert created == [look.name for look in LOOKS.values()] and present == []
    with transaction(session_factory) as session:
        assert seed_skies(session, storage, settings) == ([], created)
        skies = list_skies(session)
        assert {s.licence for s in skies} == {GENERATED_LICENCE}
        assert all(s.width >= MIN_SKY_WIDTH_PX and storage.exists(s.image_key) for s in skies)
        delete_sky(session, skies[0])
    with transaction(session_factory) as session:
        assert seed_skies(session, storage, settings)[0] == []  # a curated library is kept
