"""Edits through the API and an in-process preview worker, on both databases: only the painted
part of the result changes (removed, generated again, or a curated piece added), and every
refusal is a clear 4xx that leaves nothing behind."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from accounts.models import Role
from catalog.items import create_item, get_item, update_item
from core.db import transaction
from core.storage import make_storage
from jobs.edits import edit_of
from jobs.models import Job
from tests.factories import make_item, photo_bytes
from tests.integration.api.helpers import submit
from worker.edits import edit_region

PHOTO = (320, 240)
JPEG = photo_bytes(width=PHOTO[0], height=PHOTO[1])


def painted_png(size=PHOTO, box=(100, 150, 220, 215), *, alpha=True) -> bytes:
    """A mask as a browser canvas exports it: painted pixels opaque, the rest transparent."""
    image = Image.new("RGBA" if alpha else "L", size, (0, 0, 0, 0) if alpha else 0)
    ImageDraw.Draw(image).rectangle(box, fill=(255, 255, 255, 255) if alpha else 255)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def edit(
    client, headers, job_id, *, mask=None, variant=1, action="remove", item=None,
    content_type="image/png",
):  # fmt: skip
    files = {"mask": ("mask.png", painted_png() if mask is None else mask, "image/png")}
    data = {"variant": str(variant), "action": action}
    if item is not None:
        data["item"] = str(item)
    return client.post(f"/api/v1/jobs/{job_id}/edits", headers=headers, data=data, files=files)


def _pixels(client, headers, url) -> np.ndarray:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)


def completed_job(client, agent, preview_worker) -> dict:
    response = submit(client, agent.headers, photo=JPEG, seed=3)
    assert response.status_code == 202, response.text
    while preview_worker.run_once():
        pass
    body = client.get(f"/api/v1/jobs/{response.json()['id']}", headers=agent.headers).json()
    assert body["state"] == "completed", body["errors"]
    return body


@pytest.mark.parametrize("action", ["remove", "redo"])
def test_an_edit_changes_only_the_painted_part(client, agent, style, preview_worker, action):
    parent = completed_job(client, agent, preview_worker)
    response = edit(client, agent.headers, parent["id"], action=action)
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/jobs/{body['id']}"
    assert (body["parent_job_id"], body["parent_variant"], body["edit"]) == (
        parent["id"], 1, action)  # fmt: skip
    assert (body["state"], body["variants"], body["mode"]) == ("pending", 1, parent["mode"])
    assert body["seed"] != parent["seed"]
    while preview_worker.run_once():
        pass
    done = client.get(f"/api/v1/jobs/{body['id']}", headers=agent.headers).json()
    assert done["state"] == "completed", done["errors"]
    before = _pixels(client, agent.headers, parent["results"][0]["url"])
    after = _pixels(client, agent.headers, done["results"][0]["url"])
    region = edit_region(Image.open(io.BytesIO(painted_png())).getchannel("A"), PHOTO)
    # Outside: the parent's pixels, through one more JPEG encoding; inside: something new.
    assert np.abs(after[~region] - before[~region]).mean() < 1.5
    assert np.abs(after[region] - before[region]).mean() > 10


def test_the_parent_lists_its_edit_and_the_edit_its_kind(client, agent, style, preview_worker):
    parent = completed_job(client, agent, preview_worker)
    child = edit(client, agent.headers, parent["id"], action="redo").json()
    page = client.get(f"/api/v1/jobs/{child['id']}", headers=agent.headers).json()
    assert page["parent_job_id"] == parent["id"]
    assert client.get(f"/api/v1/jobs/{parent['id']}", headers=agent.headers).json()["edit"] is None


def test_refusals_are_4xx_and_leave_no_job(
    client,
    agent,
    make_actor,
    style,
    preview_worker,
    session_factory,
):
    parent = completed_job(client, agent, preview_worker)
    pending = submit(client, agent.headers, photo=JPEG).json()
    other = make_actor(Role.AGENT)

    def jobs() -> int:
        with transaction(session_factory) as session:
            return session.scalar(select(func.count()).select_from(Job)) or 0

    count = jobs()
    cases = [
        (other.headers, parent["id"], {}, 404, "not_found"),
        (agent.headers, 999999, {}, 404, "not_found"),
        (agent.headers, pending["id"], {}, 409, "conflict"),
        (agent.headers, parent["id"], {"variant": 2}, 422, "variant"),
        (agent.headers, parent["id"], {"variant": 0}, 422, None),
        (agent.headers, parent["id"], {"action": "paint"}, 422, None),
        (
            agent.headers,
            parent["id"],
            {"mask": JPEG},
            422,
            "PNG",
        ),
        (agent.headers, parent["id"], {"mask": b""}, 422, "empty"),
        (agent.headers, parent["id"], {"mask": b"\x89PNG\r\n\x1a\n" + b"\0" * 40}, 422, "mask"),
        (agent.headers, parent["id"], {"mask": painted_png(box=(0, 0, 0, 0))}, 422, "nothing"),
        (agent.headers, parent["id"], {"mask": painted_png(box=(0, 0, 320, 240))}, 422, "at most"),
        (agent.headers, parent["id"], {"mask": painted_png(size=(240, 240))}, 422, "shape"),
        (agent.headers, parent["id"], {"mask": painted_png(size=(640, 480))}, 422, "larger"),
    ]
    for headers, job_id, fields, status, words in cases:
        response = edit(client, headers, job_id, **fields)
        assert response.status_code == status, (fields, response.text)
        if words:
            assert words in response.text, (fields, response.text)
        assert jobs() == count, fields


def test_a_white_mask_without_alpha_and_a_smaller_scale_are_read(
    client, agent, style, preview_worker
):
    parent = completed_job(client, agent, preview_worker)
    for mask in (painted_png(alpha=False), painted_png(size=(160, 120), box=(50, 75, 110, 107))):
        assert edit(client, agent.headers, parent["id"], mask=mask).status_code == 202


def test_an_edit_counts_against_the_daily_quota(client, make_actor, style, preview_worker):
    actor = make_actor(Role.AGENT, daily_quota=1)
    parent = completed_job(client, actor, preview_worker)
    response = edit(client, actor.headers, parent["id"])
    assert response.status_code == 429, response.text


def test_add_places_the_piece_chosen_and_a_later_catalog_change_does_not_alter_it(
    client, agent, style, preview_worker, session_factory, api_settings
):
    storage = make_storage(api_settings)
    with transaction(session_factory) as session:
        fields = {"name": "Fig", "prompt": "a fig tree", "room_types": ["living_room"]}
        image = photo_bytes(width=300, height=300)
        fig = create_item(session, storage, api_settings, fields, image)
        reference = fig.reference_image_key
    listed = client.get("/api/v1/edit-items?room_type=living_room", headers=agent.headers)
    assert listed.json() == [{"id": fig.id, "name": "Fig", "room_types": ["living_room"]}]
    parent = completed_job(client, agent, preview_worker)
    response = edit(client, agent.headers, parent["id"], action="add", item=fig.id)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["edit"] == "add"
    with transaction(session_factory) as session:  # the catalog moves on; the edit does not
        item = get_item(session, fig.id)
        update_item(session, storage, api_settings, item,
                    {"name": "Palm", "prompt": "a palm", "room_types": ["kitchen"]})  # fmt: skip
        item.is_active = False
    while preview_worker.run_once():
        pass
    done = client.get(f"/api/v1/jobs/{body['id']}", headers=agent.headers).json()
    assert done["state"] == "completed", done["errors"]
    with session_factory() as session:
        chosen = edit_of(session.get(Job, body["id"]).style_snapshot)
    assert chosen is not None and chosen.item is not None
    assert (chosen.item.id, chosen.item.name, chosen.item.prompt) == (fig.id, "Fig", "a fig tree")
    assert chosen.item.reference_image_key == reference
    before = _pixels(client, agent.headers, parent["results"][0]["url"])
    after = _pixels(client, agent.headers, done["results"][0]["url"])
    region = edit_region(Image.open(io.BytesIO(painted_png())).getchannel("A"), PHOTO)
    assert np.abs(after[~region] - before[~region]).mean() < 1.5
    assert np.abs(after[region] - before[region]).mean() > 10


def test_add_refusals_are_422_and_leave_no_job(
    client, agent, style, preview_worker, session_factory
):
    with transaction(session_factory) as session:
        lamp = make_item(session, room_types=["living_room"])
        retired = make_item(session, room_types=["living_room"], is_active=False)
        stools = make_item(session, name="Bar stools", room_types=["kitchen"])
    parent = completed_job(client, agent, preview_worker)

    def jobs() -> int:
        with transaction(session_factory) as session:
            return session.scalar(select(func.count()).select_from(Job)) or 0

    count = jobs()
    for item, words in [
        (None, "choose the piece to add"),
        (999999, "no piece 999999"),
        (retired.id, f"no piece {retired.id}"),
        (stools.id, "“Bar stools” is not offered for a living_room room"),
        (0, "item"),
        ("lamp", "item"),
    ]:
        response = edit(client, agent.headers, parent["id"], action="add", item=item)
        assert response.status_code == 422, (item, response.text)
        assert words in response.text, (item, response.text)
        assert jobs() == count, item
    # Remove and redo ignore an item, as the editor's form sends its select with every button.
    assert edit(client, agent.headers, parent["id"], item=lamp.id).status_code == 202
    unknown = client.get("/api/v1/edit-items?room_type=attic", headers=agent.headers)
    assert unknown.status_code == 422 and "unknown room type attic" in unknown.text
