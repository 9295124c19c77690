"""Enhance, sky and twilight through the API and an in-process preview worker, on both
databases: no style needed, the sky checked when the job is made, enhance-first by default
from the deployment, quota and retry like any job, and the results stored like a staging's."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from accounts.models import Role
from catalog.generated_skies import generated_sky_jpeg
from catalog.models import Sky
from catalog.skies import create_sky
from core.db import transaction
from core.storage import make_storage
from jobs.models import Job, JobMode, JobState
from tests.integration.api.helpers import error_of, submit
from tests.support.finishing_scenes import exterior, luma, room, underexposed
from tests.support.stored import job_count
from worker.generators import build_generator
from worker.loop import Worker
from worker.signals import Shutdown

SIZE = (480, 320)


def exterior_jpeg(*, dark: bool = False) -> bytes:
    photo, _ = exterior(*SIZE)
    buffer = io.BytesIO()
    Image.fromarray(underexposed(photo, 0.45) if dark else photo).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def skies(session_factory, api_settings) -> dict[str, int]:
    """Two active skies of the library and an inactive one, by name."""
    storage = make_storage(api_settings)
    made = {}
    with transaction(session_factory) as session:
        for name, look, active in (("Blue", 1, True), ("Clouds", 2, True), ("Retired", 3, False)):
            fields = {"name": name, "licence": "CC0", "is_active": active}
            image = generated_sky_jpeg(look, (1024, 640))
            made[name] = create_sky(session, storage, api_settings, fields, image).id
    return made


@pytest.fixture
def worker(api_settings, engine):
    """The worker as worker.py builds it: the preview generator behind the quality gate."""
    settings = api_settings.model_copy(update={"preview_step_delay_s": 0})
    worker = Worker(
        settings,
        generator=build_generator(settings),
        storage=make_storage(api_settings),
        engine=engine,
        shutdown=Shutdown(1),
    )
    yield worker
    worker.close()


def _image(client, url: str) -> np.ndarray:
    response = client.get(url)
    assert response.status_code == 200, url
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize("mode", ["enhance", "twilight"])
def test_a_finishing_job_needs_no_style_and_makes_one_image(client, agent, mode, session_factory):
    response = submit(client, agent.headers, mode=mode, style="", variants=3)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["mode"], body["variants"], body["style"]) == (
        mode,
        1,
        {"slug": None, "name": None},
    )
    with session_factory() as session:
        job = session.get(Job, body["id"])
        assert (job.style_id, job.style_snapshot) == (None, {})


def test_a_style_named_for_a_finishing_job_is_ignored(client, agent, style):
    body = submit(client, agent.headers, mode="enhance", style="no-such-style").json()
    assert body["mode"] == "enhance" and body["style"]["slug"] is None


def test_stage_still_needs_a_style(client, agent, style, session_factory):
    response = submit(client, agent.headers, mode="stage", style="")
    assert response.status_code == 422
    assert error_of(response)["field"] == "style"
    assert job_count(session_factory) == 0


def test_a_sky_must_be_an_active_sky_of_the_library(client, agent, skies, session_factory):
    for sky in (skies["Retired"], 999_999):
        response = submit(client, agent.headers, mode="sky", sky=sky)
        assert response.status_code == 422, response.text
        error = error_of(response)
        assert error["field"] == "sky" and "not an active sky" in error["message"]
    wrong_mode = submit(client, agent.headers, mode="enhance", sky=skies["Blue"])
    assert wrong_mode.status_code == 422 and error_of(wrong_mode)["field"] == "sky"
    assert submit(client, agent.headers, mode="sky", sky="blue").status_code == 422
    assert job_count(session_factory) == 0


def test_sky_replacement_needs_a_sky_in_the_library(client, agent, session_factory):
    response = submit(client, agent.headers, mode="sky")
    assert response.status_code == 422
    assert error_of(response)["field"] == "sky"
    assert "no active sky" in error_of(response)["message"]
    assert job_count(session_factory) == 0


def test_the_chosen_sky_or_the_candidates_are_kept_on_the_job(
    client, agent, skies, session_factory
):
    chosen = submit(client, agent.headers, mode="sky", sky=skies["Clouds"], variants=2).json()
    assert (chosen["sky_id"], chosen["variants"]) == (skies["Clouds"], 1)
    best = submit(client, agent.headers, mode="sky", variants=4).json()
    assert (best["sky_id"], best["variants"]) == (None, 2)  # two active skies to try
    with session_factory() as session:
        options = session.get(Job, best["id"]).options
    assert [c["name"] for c in options["sky_candidates"]] == ["Blue", "Clouds"]
    # A replay with another sky is another request.
    first = submit(client, agent.headers, key="s-1", mode="sky", sky=skies["Blue"])
    assert first.status_code == 202
    assert (
        submit(client, agent.headers, key="s-1", mode="sky", sky=skies["Blue"]).status_code == 200
    )
    other = submit(client, agent.headers, key="s-1", mode="sky", sky=skies["Clouds"])
    assert other.status_code == 409 and "sky" in error_of(other)["message"]


def test_enhance_first_defaults_to_the_deployment_setting(
    client, agent, style, api_settings, engine, session_factory
):
    assert submit(client, agent.headers).json()["enhance"] is False
    assert submit(client, agent.headers, enhance="true").json()["enhance"] is True
    from fastapi.testclient import TestClient

    from api.app import create_app

    enhancing = api_settings.model_copy(update={"enhance_before_staging": True})
    with TestClient(create_app(enhancing)) as other:
        assert submit(other, agent.headers).json()["enhance"] is True
        assert submit(other, agent.headers, enhance="false").json()["enhance"] is False
        # Mode enhance enhances by itself: the option is not recorded.
        assert submit(other, agent.headers, mode="enhance").json()["enhance"] is False


def test_finishing_jobs_count_against_the_quota(client, make_actor, session_factory):
    actor = make_actor(Role.AGENT, daily_quota=1)
    assert submit(client, actor.headers, mode="enhance").status_code == 202
    response = submit(client, actor.headers, mode="twilight")
    assert response.status_code == 429
    assert job_count(session_factory) == 1


def test_history_filters_by_mode(client, agent, style):
    ids = {
        mode: submit(client, agent.headers, mode=mode).json()["id"] for mode in ("stage", "enhance")
    }
    listed = client.get("/api/v1/jobs", params={"mode": "enhance"}, headers=agent.headers).json()
    assert [item["id"] for item in listed["items"]] == [ids["enhance"]]
    assert (
        client.get("/api/v1/jobs", params={"mode": "paint"}, headers=agent.headers).status_code
        == 422
    )


def test_every_finishing_mode_runs_end_to_end(client, agent, style, skies, worker):
    photo = exterior_jpeg()
    jobs = {
        "enhance": submit(client, agent.headers, photo=exterior_jpeg(dark=True), mode="enhance"),
        "sky": submit(client, agent.headers, photo=photo, mode="sky", sky=skies["Blue"]),
        "best": submit(client, agent.headers, photo=photo, mode="sky", variants=2),
        "twilight": submit(client, agent.headers, photo=photo, mode="twilight"),
        "staged": submit(client, agent.headers, photo=exterior_jpeg(dark=True), enhance="true"),
    }
    ids = {name: response.json()["id"] for name, response in jobs.items()}
    while worker.run_once():
        pass
    bodies = {
        name: client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()
        for name, job_id in ids.items()
    }
    for name, body in bodies.items():
        assert body["state"] == "completed", (name, body["errors"])
        assert len(body["results"]) == body["variants"]
    original = _image(client, bodies["sky"]["input_url"])
    dark = _image(client, bodies["enhance"]["input_url"])
    enhanced = _image(client, bodies["enhance"]["results"][0]["url"])
    assert luma(enhanced).mean() > luma(dark).mean() + 0.1
    replaced = _image(client, bodies["sky"]["results"][0]["url"])
    mask = _image(client, bodies["sky"]["mask_url"])[..., 0] > 127
    assert mask[: SIZE[1] // 8].mean() > 0.9 and not mask[-SIZE[1] // 8 :].any()
    assert np.abs(replaced[mask] - original[mask]).mean() > 10
    lawn = (slice(int(0.74 * SIZE[1]), int(0.8 * SIZE[1])), slice(0, SIZE[0] // 4))
    assert np.abs(replaced[lawn] - original[lawn]).mean() < 3  # JPEG noise only
    first, second = (_image(client, r["url"]) for r in bodies["best"]["results"])
    assert np.abs(first - second)[mask].mean() > 3  # two different skies
    dusk = _image(client, bodies["twilight"]["results"][0]["url"])
    assert luma(dusk)[lawn].mean() < 0.6 * luma(original)[lawn].mean()
    staged_input = _image(client, bodies["staged"]["input_url"])
    staged = _image(client, bodies["staged"]["results"][0]["url"])
    top = (slice(0, SIZE[1] // 3), slice(None))  # outside the preview's floor: only enhanced
    assert luma(staged[top]).mean() > luma(staged_input[top]).mean() + 0.1


def test_a_photo_without_sky_fails_with_a_clear_error(client, agent, worker):
    indoors = room(*SIZE).rgb.copy()
    indoors[:40] = (150, 110, 74)  # a dark wooden ceiling: nothing sky-like at the top
    buffer = io.BytesIO()
    Image.fromarray(indoors).save(buffer, "JPEG", quality=95)
    job_id = submit(client, agent.headers, photo=buffer.getvalue(), mode="twilight").json()["id"]
    while worker.run_once():
        pass
    body = client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()
    assert body["state"] == "failed"  # a bad input: not retried
    assert len(body["errors"]) == 1 and "no open sky" in body["errors"][0]["error"]


def test_retry_and_another_sky_keep_the_job_a_sky_replacement(
    client, agent, skies, session_factory, api_settings
):
    from jobs.derived import create_job_from
    from jobs.service import retry_job

    job_id = submit(client, agent.headers, mode="sky", sky=skies["Blue"]).json()["id"]
    storage = make_storage(api_settings)
    with transaction(session_factory) as session:
        job = session.get(Job, job_id)
        job.state = JobState.FAILED
    with transaction(session_factory) as session:
        retried = retry_job(
            session, user=agent.user, job_id=job_id, settings=api_settings, storage=storage
        )
        assert (retried.mode, retried.options["sky"]["id"]) == (JobMode.SKY, skies["Blue"])
    with transaction(session_factory) as session:
        source = session.get(Job, job_id)
        again = create_job_from(
            session, user=agent.user, source=source, style_slug="", storage=storage,
            settings=api_settings, sky_id=skies["Clouds"],
        )  # fmt: skip
        assert (again.mode, again.options["sky"]["name"], again.style_id) == (
            JobMode.SKY,
            "Clouds",
            None,
        )
        assert session.get(Sky, skies["Clouds"]) is not None
