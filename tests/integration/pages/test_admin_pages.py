"""Admin console pages: styles (validation, references, order, archive, try), jobs, users."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from accounts.models import Role, User
from catalog.models import Style
from core.db import transaction, utcnow
from core.storage import LocalStorage
from jobs import queue
from jobs.models import Job, JobState
from tests.factories import make_job, make_style, photo_bytes, stored_job
from tests.support.forms import csrf_of, post_form, sign_in

VALID_STYLE = {
    "name": "Warm Modern",
    "slug": "warm-modern",
    "description": "Soft woods and linen",
    "prompt": "a {room_type} in warm modern style, photorealistic",
    "negative_prompt": "clutter, people",
    "palette": "#d9c7a7, #6b5b4b",
    "room_types": ["living_room", "bedroom"],
    "is_active": "yes",
    "steps": "30",
    "guidance_scale": "6.5",
    "scheduler": "euler_a",
}


def test_style_form_shows_every_error_next_to_its_field(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    bad = {**VALID_STYLE, "palette": "red", "steps": "500", "prompt": "short", "room_types": []}
    response = post_form(client, "/admin/styles/new", bad)
    assert response.status_code == 422
    for field in ("palette", "steps", "prompt", "room_types"):
        assert f'id="{field}-error"' in response.text, field
    assert 'value="Warm Modern"' in response.text  # what was typed is kept
    with session_factory() as session:
        assert session.scalars(select(Style)).all() == []


def test_create_style_with_a_reference_image(make_web_user, session_factory, web_settings):
    _, client = make_web_user(Role.MERCHANDISER)
    files = [("references", ("ref.png", photo_bytes("PNG"), "image/png"))]
    response = post_form(client, "/admin/styles/new", VALID_STYLE, files=files)
    assert response.status_code == 303, response.text
    with session_factory() as session:
        style = session.scalars(select(Style)).one()
        assert style.params == {"steps": 30, "guidance_scale": 6.5, "scheduler": "euler_a"}
        assert style.palette == ["#d9c7a7", "#6b5b4b"]
        assert len(style.reference_image_keys) == 1
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert storage.get(style.reference_image_keys[0])[:2] == b"\xff\xd8"  # re-encoded JPEG
    page = client.get(f"/admin/styles/{style.id}").text
    assert 'alt="Reference image 1 of Warm Modern"' in page


def test_a_bad_reference_image_is_refused_and_nothing_saved(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    files = [("references", ("ref.jpg", b"not an image at all", "image/jpeg"))]
    response = post_form(client, "/admin/styles/new", VALID_STYLE, files=files)
    assert response.status_code == 422
    assert 'id="references-error"' in response.text and "ref.jpg" in response.text
    with session_factory() as session:
        assert session.scalars(select(Style)).all() == []


def test_edits_apply_to_new_jobs_only(make_web_user, session_factory):
    user, client = make_web_user(Role.MERCHANDISER)
    with transaction(session_factory) as session:
        style = make_style(session, slug="modern", name="Modern")
        job = make_job(session, user=user, style=style, state=JobState.RUNNING)
    edit = {**VALID_STYLE, "slug": "modern", "name": "Modern v2", "room_types": ["bedroom"]}
    assert post_form(client, f"/admin/styles/{style.id}", edit).status_code == 303
    with session_factory() as session:
        assert session.get(Style, style.id).name == "Modern v2"
        assert session.get(Job, job.id).style_snapshot["name"] == "Modern"


def test_toggle_reorder_archive_and_delete(make_web_user, session_factory):
    user, client = make_web_user(Role.MERCHANDISER)
    with transaction(session_factory) as session:
        first = make_style(session, name="First")
        second = make_style(session, name="Second")
        make_job(session, user=user, style=second)
    post_form(client, f"/admin/styles/{second.id}/move", {"direction": "up"})
    asked = post_form(client, f"/admin/styles/{first.id}/active", {"active": "no"})
    assert "Deactivate “First”?" in asked.text and 'name="confirm" value="yes"' in asked.text
    with session_factory() as session:
        assert session.get(Style, first.id).is_active is True  # only asked so far
    post_form(client, f"/admin/styles/{first.id}/active", {"active": "no", "confirm": "yes"})
    with session_factory() as session:
        order = session.scalars(select(Style.name).order_by(Style.sort_order)).all()
        assert order == ["Second", "First"]
        assert session.get(Style, first.id).is_active is False
    assert "inactive" in client.get("/admin/styles?active=no").text

    asked = post_form(client, f"/admin/styles/{first.id}/archive")
    assert asked.status_code == 200
    assert "Delete “First”?" in asked.text and "This cannot be undone." in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert "Archive “Second”?" in post_form(client, f"/admin/styles/{second.id}/archive").text
    with session_factory() as session:
        assert session.get(Style, first.id) is not None  # asking changed nothing
        assert not session.get(Style, second.id).is_archived

    post_form(client, f"/admin/styles/{second.id}/archive", {"confirm": "yes"})
    post_form(client, f"/admin/styles/{first.id}/archive", {"confirm": "yes"})
    with session_factory() as session:
        assert session.get(Style, first.id) is None  # no job used it: deleted
        archived = session.get(Style, second.id)
        assert archived.is_archived and not archived.is_active
    assert "Second" in client.get("/admin/styles?active=archived").text


def test_try_this_style_runs_a_test_job_on_the_sample_photo(
    make_web_user, session_factory, web_settings
):
    user, client = make_web_user(Role.MERCHANDISER)
    with transaction(session_factory) as session:
        style = make_style(session, is_active=False, room_types=["bedroom"])
    response = post_form(client, f"/admin/styles/{style.id}/try")
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
    assert response.headers["location"] == f"/admin/jobs/{job.id}"
    assert job.is_test and job.user_id == user.id and job.room_type == "bedroom"
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    assert storage.get(job.input_key)[:2] == b"\xff\xd8"
    assert "test" in client.get(f"/admin/jobs/{job.id}").text


def test_deactivating_warns_of_what_agents_lose(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    with transaction(session_factory) as session:
        wide = make_style(session, name="Wide", room_types=["living_room", "patio"])
        narrow = make_style(session, name="Narrow", room_types=["living_room"])
    asked = post_form(client, f"/admin/styles/{wide.id}/active", {"active": "no"}).text
    assert "No other active style offers Patio" in asked
    assert (
        "alert-warning"
        not in post_form(client, f"/admin/styles/{narrow.id}/active", {"active": "no"}).text
    )
    post_form(client, f"/admin/styles/{narrow.id}/active", {"active": "no", "confirm": "yes"})
    asked = post_form(client, f"/admin/styles/{wide.id}/active", {"active": "no"}).text
    assert "It is the last active style" in asked


def test_admin_jobs_counts_filters_history_and_retry(make_web_user, session_factory, web_settings):
    staff, client = make_web_user(Role.MERCHANDISER)
    agent, _ = make_web_user()
    storage = LocalStorage(web_settings.local_storage_dir, web_settings.secret_key)
    with transaction(session_factory) as session:
        style = make_style(session)
        make_job(session, user=agent, style=style)
        failed = stored_job(
            session,
            storage,
            user=agent,
            style=style,
            state=JobState.FAILED,
            attempt=3,
            errors=[{"attempt": 3, "at": "2026-01-01T00:00:00+00:00", "error": "<b>CUDA OOM</b>"}],
        )
        make_job(session, user=staff, style=style, state=JobState.COMPLETED)
    html = client.get("/admin/jobs").text
    assert html.count('href="/admin/jobs/') == 3
    assert client.get("/admin/jobs?state=failed").text.count('href="/admin/jobs/') == 1
    assert client.get(f"/admin/jobs?user={staff.id}").text.count('href="/admin/jobs/') == 1
    detail = client.get(f"/admin/jobs/{failed.id}").text
    assert "&lt;b&gt;CUDA OOM&lt;/b&gt;" in detail

    assert post_form(client, f"/admin/jobs/{failed.id}/retry").status_code == 303
    with session_factory() as session:
        assert session.get(Job, failed.id).state is JobState.PENDING


def test_admin_job_shows_every_claim_and_the_errors_not_kept(make_web_user, session_factory):
    _, client = make_web_user(Role.MERCHANDISER)
    agent, _ = make_web_user()
    with transaction(session_factory) as session:
        job = make_job(session, user=agent, style=make_style(session))
    past = utcnow() - timedelta(seconds=1)
    for _ in range(2):  # the same worker claims, loses the lease, and claims again
        with transaction(session_factory) as session:
            session.execute(update(Job).where(Job.id == job.id).values(lease_expires_at=past))
            assert queue.claim(session, worker_id="pod-a-1", lease_s=60).id == job.id
    with transaction(session_factory) as session:
        session.execute(update(Job).where(Job.id == job.id).values(errors_dropped=7))
    detail = client.get(f"/admin/jobs/{job.id}").text
    claims = detail[detail.index('aria-label="Claims"') :]
    rows = re.findall(r"<tr><td>(\d+)</td><td class=\"mono\">([^<]+)</td><td>(\d+)</td>", claims)
    assert rows == [("1", "pod-a-1", "1"), ("2", "pod-a-1", "2")]
    assert "re-claimed after its lease ran out" in claims
    assert "7 older errors not kept." in detail


def test_users_admin(make_web_user, make_client, session_factory):
    _, client = make_web_user(Role.ADMIN)
    bad = post_form(client, "/admin/users", {"email": "nope", "password": "short1"})
    assert bad.status_code == 422 and 'id="email-error"' in bad.text

    created = post_form(
        client,
        "/admin/users",
        {"email": "New@Example.com", "name": "New", "password": "long-enough-1", "role": "agent"},
    )
    assert created.status_code == 303
    with session_factory() as session:
        new = session.scalars(select(User).where(User.email == "new@example.com")).one()
    assert "new@example.com" in client.get("/admin/users").text
    assert "0 / 50" in client.get("/admin/users").text

    post_form(client, f"/admin/users/{new.id}/role", {"role": "merchandiser"})
    post_form(client, f"/admin/users/{new.id}/password", {"password": "another-pass-2"})
    other = make_client()
    assert sign_in(other, "new@example.com", "another-pass-2").status_code == 303
    assert other.get("/admin/styles").status_code == 200

    asked = post_form(client, f"/admin/users/{new.id}/active", {"active": "no"})
    assert "Deactivate new@example.com?" in asked.text
    assert other.get("/", follow_redirects=False).status_code == 200  # asking changed nothing
    post_form(client, f"/admin/users/{new.id}/active", {"active": "no", "confirm": "yes"})
    assert other.get("/", follow_redirects=False).status_code == 303  # signed out everywhere
    assert sign_in(make_client(), "new@example.com", "another-pass-2").status_code == 401


def test_every_form_carries_the_session_csrf_token(make_web_user, session_factory):
    user, client = make_web_user(Role.ADMIN)
    with transaction(session_factory) as session:
        style = make_style(session)
        job = make_job(session, user=user, style=style)
    for url in (
        "/admin/styles",
        f"/admin/styles/{style.id}",
        "/admin/users",
        "/admin/jobs",
        f"/admin/jobs/{job.id}",
        f"/jobs/{job.id}",
    ):
        html = client.get(url).text
        fields = re.findall(r'name="csrf_token" value="([^"]*)"', html)
        assert fields and set(fields) == {csrf_of(html)}, url


def test_saving_a_new_order_takes_one_request_and_is_staff_only(make_web_user, session_factory):
    _, agent = make_web_user()
    _, client = make_web_user(Role.MERCHANDISER)
    with transaction(session_factory) as session:
        ids = [make_style(session, name=f"S{n}").id for n in range(4)]
    new_order = [ids[-1], *ids[:-1]]
    assert post_form(agent, "/admin/styles/order", {"style_id": new_order}).status_code == 403
    response = post_form(client, "/admin/styles/order", {"style_id": new_order})
    assert response.status_code == 204
    with session_factory() as session:
        assert session.scalars(select(Style.id).order_by(Style.sort_order)).all() == new_order
    twice = post_form(client, "/admin/styles/order", {"style_id": [ids[0], ids[0]]})
    assert twice.status_code == 400
    assert "appears twice" in twice.text


def test_a_fast_tier_style_with_a_negative_prompt_is_saved_with_a_warning(
    make_web_user, session_factory
):
    _, client = make_web_user(Role.MERCHANDISER)
    fast = {**VALID_STYLE, "fast_tier": "yes", "depth_in_mask": "0.3"}
    response = post_form(client, "/admin/styles/new", fast)
    assert response.status_code == 303, response.text
    with session_factory() as session:
        style = session.scalars(select(Style)).one()
        assert style.params["fast_tier"] is True and style.params["depth_in_mask"] == 0.3
    page = client.get(f"/admin/styles/{style.id}").text
    assert 'id="negative_prompt-warning"' in page and "runs at guidance 0" in page
    assert 'aria-describedby="negative_prompt-warning"' in page

    quiet = {**fast, "negative_prompt": ""}
    assert post_form(client, f"/admin/styles/{style.id}", quiet).status_code == 303
    assert "negative_prompt-warning" not in client.get(f"/admin/styles/{style.id}").text
    standard = {**VALID_STYLE}
    assert post_form(client, f"/admin/styles/{style.id}", standard).status_code == 303
    assert "negative_prompt-warning" not in client.get(f"/admin/styles/{style.id}").text
