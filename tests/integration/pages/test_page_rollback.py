"""Every page command that writes to storage: when the write fails, nothing it did is committed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from accounts.models import Role
from catalog.models import Style
from core.db import transaction
from jobs.models import Job
from tests.factories import completed_job, make_style, photo_bytes
from tests.integration.pages.test_admin_pages import VALID_STYLE
from tests.support.forms import post_form
from tests.support.stored import storage_root


def block(root: Path, *parts: str) -> None:
    """A file where storage needs a directory: a real write failure at that place."""
    path = root.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a directory")


def jobs_in(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def test_restage_with_a_failing_storage_write_keeps_no_job(
    make_web_user, session_factory, web_settings, style
):
    user, client = make_web_user()
    job = completed_job(session_factory, web_settings, user=user, style=style)
    with transaction(session_factory) as session:
        make_style(session, slug="coastal", name="Coastal")
    block(storage_root(web_settings), "jobs", str(job.id + 1))
    response = post_form(client, f"/jobs/{job.id}/restage", {"style": "coastal"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{job.id}"
    assert jobs_in(session_factory) == 1


def test_trying_a_style_with_a_failing_storage_write_keeps_no_job(
    make_web_user, session_factory, web_settings, style
):
    _, client = make_web_user(Role.MERCHANDISER)
    block(storage_root(web_settings), "jobs")
    response = post_form(client, f"/admin/styles/{style.id}/try")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/styles"
    assert jobs_in(session_factory) == 0


def test_a_new_style_whose_references_cannot_be_stored_is_not_created(
    make_web_user, session_factory, web_settings
):
    _, client = make_web_user(Role.MERCHANDISER)
    block(storage_root(web_settings), "styles")
    files = [("references", ("ref.png", photo_bytes("PNG"), "image/png"))]
    response = post_form(client, "/admin/styles/new", VALID_STYLE, files=files)
    assert response.status_code == 422
    assert "could not be stored" in response.text
    with session_factory() as session:
        assert session.scalars(select(Style)).all() == []


def test_an_edit_whose_references_cannot_be_stored_changes_nothing(
    make_web_user, session_factory, web_settings, style
):
    _, client = make_web_user(Role.MERCHANDISER)
    block(storage_root(web_settings), "styles")
    files = [("references", ("ref.png", photo_bytes("PNG"), "image/png"))]
    edited = {**VALID_STYLE, "slug": style.slug, "name": "Renamed"}
    response = post_form(client, f"/admin/styles/{style.id}", edited, files=files)
    assert response.status_code == 422
    with session_factory() as session:
        assert session.get_one(Style, style.id).name == style.name
