"""The editor page and its form: an agent's painted part becomes an edit job, linked both ways,
with its versions, the original to compare with, and the edit's disclosure in the MLS zip; Add
offers the active pieces for the room, or says there are none."""

from __future__ import annotations

import io
import zipfile

from PIL import Image, ImageDraw

from core import disclosure
from core.db import transaction
from core.storage import LocalStorage, job_result_key
from jobs.edits import EditAction, edit_of
from jobs.models import Job, JobState
from tests.factories import completed_job, make_item, photo_bytes
from tests.integration.pages.test_disclosure_pages import page_caption
from tests.support.forms import post_form


def mask_png(size=(64, 48), box=(20, 20, 40, 40)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse(box, fill=(230, 57, 70, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def post_edit(client, job_id, variant=1, action="remove", mask: bytes | None = None, **fields):
    files = {"mask": ("mask.png", mask_png() if mask is None else mask, "image/png")}
    return post_form(
        client, f"/jobs/{job_id}/variants/{variant}/edit", {"action": action, **fields}, files=files
    )


def test_the_editor_makes_an_edit_job_with_its_versions(
    make_web_user, session_factory, settings, style
):
    user, client = make_web_user()
    parent = completed_job(session_factory, settings, user=user, style=style, listing="9 Oak Row")
    storage = LocalStorage(settings.local_storage_dir, settings.secret_key)
    job_page = client.get(f"/jobs/{parent.id}").text
    assert f'href="/jobs/{parent.id}/variants/2/edit"' in job_page
    editor = client.get(f"/jobs/{parent.id}/variants/2/edit")
    assert editor.status_code == 200
    assert 'name="action" value="remove"' in editor.text and 'value="redo"' in editor.text
    assert "Brush size" in editor.text and "Undo" in editor.text and "Clear" in editor.text
    assert disclosure.DEFAULTS["edited"].caption in editor.text.replace("&#39;", "'")

    response = post_edit(client, parent.id, variant=2, action="redo")
    assert response.status_code == 303, response.text
    child_id = int(response.headers["location"].rsplit("/", 1)[1])
    with session_factory() as session:
        child = session.get(Job, child_id)
        assert (child.parent_job_id, child.parent_variant, child.variants) == (parent.id, 2, 1)
        edit = edit_of(child.style_snapshot)
        assert edit is not None and edit.action is EditAction.REDO
        assert storage.get(child.input_key) == storage.get(parent.result_keys[1])
        mask = Image.open(io.BytesIO(storage.get(edit.mask_key)))
        assert mask.size == (parent.input_width, parent.input_height)

    child_page = client.get(f"/jobs/{child_id}").text
    assert "Generating again the part you painted of variant 2." in child_page
    assert f'An edit of <a href="/jobs/{parent.id}">variant 2 of job #{parent.id}</a>' in child_page
    assert (
        f"{child_id}</a>: from variant 2 · Part generated again"
        in client.get(f"/jobs/{parent.id}").text
    )

    # Finished: the versions, the original to compare with, and the edit's disclosure.
    with transaction(session_factory) as session:
        row = session.get(Job, child_id)
        row.state, row.result_keys = JobState.COMPLETED, [job_result_key(child_id, 1, 1)]
        storage.put(row.result_keys[0], photo_bytes(width=64, height=48), "image/jpeg")
    done = client.get(f"/jobs/{child_id}").text
    assert 'id="versions-heading"' in done
    assert f'<a href="/jobs/{parent.id}">Original photo</a>' in done
    assert f'data-compare-before="/jobs/{parent.id}/web/input.jpg"' in done
    assert page_caption(client, child_id) == disclosure.DEFAULTS["edited"].caption
    archive = zipfile.ZipFile(
        io.BytesIO(client.get("/listings/mls.zip", params={"listing": "9 Oak Row"}).content)
    )
    assert disclosure.DEFAULTS["edited"].caption in archive.read("caption.txt").decode()
    originals = [name for name in archive.namelist() if name.endswith("-original.jpg")]
    assert all(archive.read(name) == storage.get(parent.input_key) for name in originals)


def test_the_editor_refuses_clearly(make_web_user, session_factory, settings, style):
    user, client = make_web_user()
    parent = completed_job(session_factory, settings, user=user, style=style)
    pending = completed_job(session_factory, settings, user=user, style=style,
                            state=JobState.PENDING)  # fmt: skip
    assert client.get(f"/jobs/{parent.id}/variants/3/edit").status_code == 404
    assert client.get(f"/jobs/{pending.id}/variants/1/edit").status_code == 404
    _, other = make_web_user()
    assert other.get(f"/jobs/{parent.id}/variants/1/edit").status_code == 404
    assert post_edit(other, parent.id).status_code == 404

    for mask, words in (
        (b"", "the mask is empty"),
        (photo_bytes(width=64, height=48), "the mask must be a PNG image"),
        (mask_png(box=(0, 0, 0, 0)), "nothing is painted"),
    ):
        response = post_edit(client, parent.id, mask=mask)
        assert response.status_code == 303
        assert response.headers["location"] == f"/jobs/{parent.id}/variants/1/edit"
        assert words in client.get(response.headers["location"]).text
    with session_factory() as session:
        assert session.query(Job).filter(Job.parent_job_id.is_not(None)).count() == 0


def test_add_offers_the_active_pieces_for_the_room_and_adds_the_one_chosen(
    make_web_user, session_factory, settings, style
):
    user, client = make_web_user()
    parent = completed_job(session_factory, settings, user=user, style=style)  # a living room
    editor = client.get(f"/jobs/{parent.id}/variants/1/edit").text
    assert 'value="add"' not in editor and 'id="edit-item"' not in editor
    assert "No pieces to add are offered for a living room yet" in editor

    with transaction(session_factory) as session:
        fig = make_item(session, name="Fig", room_types=["living_room"])
        make_item(session, name="Retired lamp", room_types=["living_room"], is_active=False)
        make_item(session, name="Bar stools", room_types=["kitchen"])
    editor = client.get(f"/jobs/{parent.id}/variants/1/edit").text
    assert '<label for="edit-item">Piece to add</label>' in editor
    assert f'<option value="{fig.id}">Fig</option>' in editor
    assert "Retired lamp" not in editor and "Bar stools" not in editor
    assert 'value="add" aria-describedby="edit-note">Add it where I painted</button>' in editor
    assert "No pieces to add" not in editor

    response = post_edit(client, parent.id, action="add", item=str(fig.id))
    assert response.status_code == 303, response.text
    child_id = int(response.headers["location"].rsplit("/", 1)[1])
    with session_factory() as session:
        edit = edit_of(session.get(Job, child_id).style_snapshot)
    assert edit is not None and edit.action is EditAction.ADD
    assert edit.item is not None and (edit.item.id, edit.item.name) == (fig.id, "Fig")
    child_page = client.get(f"/jobs/{child_id}").text
    assert "Adding the piece you chose to the part you painted of variant 1." in child_page
    assert "“Fig” was added where it was painted" in child_page
    assert f"{child_id}</a>: from variant 1 · Added: Fig" in client.get(f"/jobs/{parent.id}").text

    refused = post_edit(client, parent.id, action="add")  # no piece chosen
    assert refused.headers["location"] == f"/jobs/{parent.id}/variants/1/edit"
    assert "choose the piece to add" in client.get(refused.headers["location"]).text
