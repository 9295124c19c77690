"""Submitting, reading, listing, cancelling and retrying jobs through the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from accounts.models import Role
from core.db import transaction, utcnow
from core.storage import LocalStorage
from jobs.models import Job, JobState
from tests.factories import make_job, make_style, make_worker_record, stored_job
from tests.integration.api.helpers import error_of, submit
from tests.support.stored import job_count, stored_files


def test_submit_creates_pending_job_and_stores_photo(client, agent, style, api_settings):
    response = submit(client, agent.headers, variants=2, seed=7, listing="12 Elm St")
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert job["state"] == "pending"
    assert job["style"] == {"slug": "modern", "name": "Modern"}
    assert (job["variants"], job["seed"], job["listing"]) == (2, 7, "12 Elm St")
    assert job["queue_position"] == 0
    assert job["max_attempts"] == api_settings.max_attempts
    assert client.get(job["input_url"]).status_code == 200
    assert [path.name for path in stored_files(api_settings)] == ["input.jpg"]

    fetched = client.get(f"/api/v1/jobs/{job['id']}", headers=agent.headers)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == job["id"]


def test_random_seed_when_none_given(client, agent, style):
    seeds = {submit(client, agent.headers).json()["seed"] for _ in range(3)}
    assert len(seeds) == 3
    assert all(0 <= seed < 2**32 for seed in seeds)


def test_idempotent_submit(client, agent, style, session_factory, api_settings):
    first = submit(client, agent.headers, key="abc-1", seed=5)
    again = submit(client, agent.headers, key="abc-1", seed=5)
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"]
    assert job_count(session_factory) == 1
    assert len(stored_files(api_settings)) == 1

    changed = submit(client, agent.headers, key="abc-1", seed=5, variants=3)
    assert changed.status_code == 409
    error = error_of(changed)
    assert error["code"] == "idempotency_conflict"
    assert "variants" in error["message"]
    assert job_count(session_factory) == 1


def test_unavailable_style_and_bad_room_types(client, agent, style, session_factory):
    with transaction(session_factory) as session:
        make_style(session, slug="retired", is_active=False)
        make_style(session, slug="gone", is_archived=True)
    for slug in ("retired", "gone", "no-such-style"):
        response = submit(client, agent.headers, style=slug)
        assert response.status_code == 422
        assert error_of(response)["message"] == f"style '{slug}' is not available"

    response = submit(client, agent.headers, room_type="garage")
    error = error_of(response)
    assert (response.status_code, error["field"]) == (422, "room_type")
    assert "living_room" in error["message"] and "garage" in error["message"]

    response = submit(client, agent.headers, room_type="kitchen")
    assert response.status_code == 422
    assert "not offered for kitchen" in error_of(response)["message"]
    assert job_count(session_factory) == 0


def test_daily_quota(client, make_actor, style, session_factory):
    actor = make_actor(Role.AGENT, daily_quota=1)
    assert submit(client, actor.headers).status_code == 202
    response = submit(client, actor.headers)
    assert response.status_code == 429
    assert "it resets at midnight UTC, in " in error_of(response)["message"]
    assert "T00:00:00" not in error_of(response)["message"]
    assert 0 < int(response.headers["retry-after"]) <= 24 * 3600
    assert job_count(session_factory) == 1
    me = client.get("/api/v1/me", headers=actor.headers).json()
    assert me["quota"]["limit"] == 1 and me["quota"]["used"] == 1


def test_a_retry_counts_against_the_daily_quota(client, make_actor, style):
    actor = make_actor(Role.AGENT, daily_quota=2)
    job_id = submit(client, actor.headers).json()["id"]
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=actor.headers).status_code == 200
    retried = client.post(f"/api/v1/jobs/{job_id}/retry", headers=actor.headers)
    assert retried.status_code == 200, retried.text
    me = client.get("/api/v1/me", headers=actor.headers).json()
    assert me["quota"]["used"] == 2
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=actor.headers).status_code == 200
    refused = client.post(f"/api/v1/jobs/{job_id}/retry", headers=actor.headers)
    assert refused.status_code == 429
    assert "resets at" in error_of(refused)["message"]
    assert (
        client.get(f"/api/v1/jobs/{job_id}", headers=actor.headers).json()["state"] == "cancelled"
    )
    # Staff retrying the agent's job spend the agent's quota too.
    staff = make_actor(Role.ADMIN)
    assert client.post(f"/api/v1/jobs/{job_id}/retry", headers=staff.headers).status_code == 429


def test_storage_failure_answers_503_and_keeps_no_job(
    client, agent, style, session_factory, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage directory should be")
    client.app.state.storage.root = blocker
    response = submit(client, agent.headers)
    assert response.status_code == 503
    assert error_of(response)["code"] == "unavailable"
    assert job_count(session_factory) == 0


def test_agents_see_only_their_own_jobs(client, make_actor, agent, staff, style, session_factory):
    other = make_actor(Role.AGENT)
    job_id = submit(client, agent.headers).json()["id"]
    response = client.get(f"/api/v1/jobs/{job_id}", headers=other.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=other.headers).status_code == 404
    assert client.get("/api/v1/jobs", headers=other.headers).json()["total"] == 0
    assert client.get(f"/api/v1/jobs/{job_id}", headers=staff.headers).status_code == 200
    assert client.get("/api/v1/jobs", headers=staff.headers).json()["total"] == 1


def test_cancel(client, agent, style, session_factory):
    with transaction(session_factory) as session:
        pending = make_job(session, user=agent.user, style=style)
        running = make_job(session, user=agent.user, style=style, state=JobState.RUNNING)
        done = make_job(session, user=agent.user, style=style, state=JobState.COMPLETED)

    body = client.post(f"/api/v1/jobs/{pending.id}/cancel", headers=agent.headers).json()
    assert body["state"] == "cancelled" and body["finished_at"] is not None

    body = client.post(f"/api/v1/jobs/{running.id}/cancel", headers=agent.headers).json()
    assert body["state"] == "running" and body["cancel_requested_at"] is not None

    response = client.post(f"/api/v1/jobs/{done.id}/cancel", headers=agent.headers)
    assert response.status_code == 409
    assert "completed" in error_of(response)["message"]
    with session_factory() as session:
        states = dict(session.execute(select(Job.id, Job.state)).all())
    assert states == {
        pending.id: JobState.CANCELLED,
        running.id: JobState.RUNNING,
        done.id: JobState.COMPLETED,
    }


def test_retry(client, agent, style, session_factory, api_settings):
    errors = [{"attempt": 3, "at": "2030-01-01T00:00:00+00:00", "error": "boom"}]
    storage = LocalStorage(api_settings.local_storage_dir, api_settings.secret_key)
    with transaction(session_factory) as session:
        failed = stored_job(
            session,
            storage,
            user=agent.user,
            style=style,
            state=JobState.FAILED,
            attempt=3,
            errors=errors,
            finished_at=utcnow(),
        )
        pending = make_job(session, user=agent.user, style=style)

    body = client.post(f"/api/v1/jobs/{failed.id}/retry", headers=agent.headers).json()
    assert body["state"] == "pending"
    assert body["attempt"] == 0 and body["errors"] == errors and body["finished_at"] is None
    response = client.post(f"/api/v1/jobs/{pending.id}/retry", headers=agent.headers)
    assert response.status_code == 409


def test_retry_is_refused_where_it_cannot_help(client, agent, style, session_factory, api_settings):
    """The rule behind every Retry button (jobs.service.retry_cannot_help), at the API too."""
    storage = LocalStorage(api_settings.local_storage_dir, api_settings.secret_key)
    unreadable = [
        {
            "attempt": 1,
            "at": "2030-01-01T00:00:00+00:00",
            "error": "input photo "
            "jobs/1/input.jpg is not a readable image: cannot identify image file",
        }
    ]
    with transaction(session_factory) as session:
        gone = make_job(session, user=agent.user, style=style, state=JobState.FAILED)
        bad = stored_job(
            session,
            storage,
            user=agent.user,
            style=style,
            state=JobState.FAILED,
            errors=unreadable,
        )
    for job, why in ((gone, "no longer stored"), (bad, "not a readable image")):
        response = client.post(f"/api/v1/jobs/{job.id}/retry", headers=agent.headers)
        assert response.status_code == 409, response.text
        assert why in response.json()["error"]["message"]
    with session_factory() as session:
        assert session.get(Job, gone.id).state is JobState.FAILED


def test_list_pagination_and_filters(client, agent, staff, style, session_factory):
    with transaction(session_factory) as session:
        for index in range(5):
            make_job(session, user=agent.user, style=style, listing=f"{index} Oak Road")
        make_job(session, user=agent.user, style=style, state=JobState.FAILED, listing="9 Pine")
        make_job(session, user=staff.user, style=style, listing="1 Staff Lane")

    page = client.get("/api/v1/jobs?per_page=2&page=2", headers=agent.headers).json()
    assert (page["total"], page["pages"], page["page"], len(page["items"])) == (6, 3, 2, 2)
    ids = [
        item["id"]
        for number in (1, 2, 3)
        for item in client.get(
            f"/api/v1/jobs?per_page=2&page={number}", headers=agent.headers
        ).json()["items"]
    ]
    assert len(set(ids)) == 6 and ids == sorted(ids, reverse=True)

    failed = client.get("/api/v1/jobs?state=failed", headers=agent.headers).json()
    assert [item["listing"] for item in failed["items"]] == ["9 Pine"]
    oak = client.get("/api/v1/jobs?listing=oak", headers=agent.headers).json()
    assert oak["total"] == 5
    mine = client.get(f"/api/v1/jobs?user_id={staff.user.id}", headers=agent.headers).json()
    assert mine["total"] == 6  # agents cannot look at other users' jobs
    theirs = client.get(f"/api/v1/jobs?user_id={staff.user.id}", headers=staff.headers).json()
    assert [item["listing"] for item in theirs["items"]] == ["1 Staff Lane"]


def test_queue_position_and_estimated_wait(client, agent, style, session_factory):
    now = utcnow()
    with transaction(session_factory) as session:
        for minutes in (1, 2, 3):
            make_job(
                session,
                user=agent.user,
                style=style,
                state=JobState.COMPLETED,
                started_at=now - timedelta(minutes=minutes),
                finished_at=now - timedelta(minutes=minutes) + timedelta(seconds=10 * minutes),
            )
        first = make_job(session, user=agent.user, style=style, run_after=now)
        second = make_job(session, user=agent.user, style=style, run_after=now)
        urgent = make_job(session, user=agent.user, style=style, run_after=now, priority=1)
        make_worker_record(session, "w1")

    def job(job_id: int) -> dict:
        return client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()

    assert [job(j.id)["queue_position"] for j in (urgent, first, second)] == [0, 1, 2]
    # Median duration 20 s, one live worker: the third in line waits 2 jobs, then runs.
    assert job(second.id)["estimated_wait_s"] == 60.0
    assert job(urgent.id)["estimated_wait_s"] == 20.0

    with transaction(session_factory) as session:
        backing_off = make_job(
            session, user=agent.user, style=style, run_after=utcnow() + timedelta(hours=1)
        )
    # Last in line (3 ahead), and it cannot start before its run_after, an hour away.
    assert 3600 + 80 - 2 <= job(backing_off.id)["estimated_wait_s"] <= 3600 + 80


def test_listing_reads_a_fixed_number_of_queries_whatever_the_page_size(
    client, agent, style, session_factory
):
    now = utcnow()
    statements: list[str] = []
    event.listen(
        client.app.state.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_: statements.append(statement),
    )

    def add_jobs(count: int) -> None:
        with transaction(session_factory) as session:
            for n in range(count):
                make_job(
                    session,
                    user=agent.user,
                    style=style,
                    state=(JobState.PENDING, JobState.RUNNING, JobState.COMPLETED)[n % 3],
                    started_at=now - timedelta(seconds=30),
                    finished_at=now if n % 3 == 2 else None,
                    run_after=now,
                )

    def list_once() -> tuple[int, dict]:
        statements.clear()
        body = client.get("/api/v1/jobs?per_page=20", headers=agent.headers).json()
        return len(statements), body

    add_jobs(3)
    list_once()  # the first request also records when the token was last used
    few, _ = list_once()
    add_jobs(17)
    many, body = list_once()
    assert len(body["items"]) == 20
    assert many == few
    for item in body["items"]:
        alone = client.get(f"/api/v1/jobs/{item['id']}", headers=agent.headers).json()
        assert (item["queue_position"], item["estimated_wait_s"]) == (
            alone["queue_position"],
            alone["estimated_wait_s"],
        )
