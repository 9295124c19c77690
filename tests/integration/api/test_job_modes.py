"""The job's mode (stage, declutter, restage) through the API: stored, shown, compared, kept."""

from __future__ import annotations

from core.db import transaction
from core.storage import LocalStorage
from jobs.derived import create_job_from
from jobs.models import Job, JobMode, JobState
from jobs.service import retry_job
from tests.integration.api.helpers import error_of, submit
from tests.support.stored import job_count


def test_mode_defaults_to_stage_and_is_stored(client, agent, style, session_factory):
    plain = submit(client, agent.headers)
    assert plain.status_code == 202, plain.text
    assert plain.json()["mode"] == "stage"

    declutter = submit(client, agent.headers, mode="declutter")
    assert declutter.status_code == 202, declutter.text
    body = client.get(f"/api/v1/jobs/{declutter.json()['id']}", headers=agent.headers).json()
    assert body["mode"] == "declutter"
    with session_factory() as session:
        assert session.get(Job, body["id"]).mode is JobMode.DECLUTTER


def test_unknown_mode_is_a_422_and_saves_nothing(client, agent, style, session_factory):
    response = submit(client, agent.headers, mode="demolish")
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "mode"
    assert "stage" in error["message"] and "restage" in error["message"]
    assert job_count(session_factory) == 0


def test_openapi_lists_the_three_modes(client):
    schema = client.get("/openapi.json").json()
    body_ref = schema["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]["schema"]["$ref"]
    body = schema["components"]["schemas"][body_ref.rpartition("/")[2]]
    mode = body["properties"]["mode"]
    enum = schema["components"]["schemas"][mode["$ref"].rpartition("/")[2]]["enum"]
    # The mode type is the job's; a video is asked of a finished job (422 here).
    assert enum == ["stage", "declutter", "restage", "video"]
    assert "video" not in mode.get("description", "")
    assert "Remove furniture" in mode.get("description", "")


def test_idempotency_compares_the_mode(client, agent, style, session_factory):
    first = submit(client, agent.headers, key="m-1", seed=3, mode="restage")
    assert submit(client, agent.headers, key="m-1", seed=3, mode="restage").status_code == 200
    changed = submit(client, agent.headers, key="m-1", seed=3, mode="declutter")
    assert changed.status_code == 409
    assert "mode" in error_of(changed)["message"]
    assert job_count(session_factory) == 1
    assert first.json()["mode"] == "restage"


def test_stage_again_and_retry_keep_the_mode(client, agent, style, session_factory, api_settings):
    job_id = submit(client, agent.headers, mode="restage").json()["id"]
    storage = LocalStorage(api_settings.local_storage_dir, api_settings.secret_key)
    with transaction(session_factory) as session:
        source = session.get(Job, job_id)
        again = create_job_from(
            session,
            user=agent.user,
            source=source,
            style_slug="modern",
            storage=storage,
            settings=api_settings,
        )
        assert again.mode is JobMode.RESTAGE
        source.state = JobState.FAILED
    with transaction(session_factory) as session:
        retried = retry_job(
            session, user=agent.user, job_id=job_id, settings=api_settings, storage=storage
        )
        assert (retried.state, retried.mode) == (JobState.PENDING, JobMode.RESTAGE)
    body = client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()
    assert (body["state"], body["mode"]) == ("pending", "restage")
