"""GET /api/v1/jobs/{id}/results/{variant}, /original and /download.zip: the owner's bytes, as
JPEG or zip (or an octet stream when asked), and clear 4xx answers for everyone and everything
else."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from core.db import transaction
from core.storage import LocalStorage, rendition_key
from jobs.models import Job, JobState
from tests.factories import completed_job, make_job, photo_bytes
from tests.integration.api.helpers import error_of

RESULT = "/api/v1/jobs/{}/results/{}"


def _size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_the_owner_downloads_each_result_and_the_original(
    client, agent, style, session_factory, api_settings
):
    job = completed_job(session_factory, api_settings, user=agent.user, style=style)
    for variant, width in ((1, 97), (2, 98)):
        response = client.get(RESULT.format(job.id, variant), headers=agent.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/jpeg"
        assert (
            f'filename="job-{job.id}-result-{variant}.jpg"'
            in response.headers["content-disposition"]
        )
        assert _size(response.content) == (width, 64)

    original = client.get(f"/api/v1/jobs/{job.id}/original", headers=agent.headers)
    assert original.status_code == 200
    assert original.content == photo_bytes()

    archive = client.get(f"/api/v1/jobs/{job.id}/download.zip", headers=agent.headers)
    assert archive.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    assert files.namelist() == ["original.jpg", "result-1.jpg", "result-2.jpg"]
    assert files.read("original.jpg") == original.content
    assert _size(files.read("result-2.jpg")) == (98, 64)

    octets = client.get(
        RESULT.format(job.id, 1), headers={**agent.headers, "Accept": "application/octet-stream"}
    )
    assert octets.headers["content-type"] == "application/octet-stream"
    assert _size(octets.content) == (97, 64)


def test_others_jobs_bad_variants_and_unfinished_jobs_are_refused_in_our_error_shape(
    client, agent, make_actor, style, session_factory, api_settings
):
    job = completed_job(session_factory, api_settings, user=agent.user, style=style)
    with transaction(session_factory) as session:
        pending = make_job(session, user=agent.user, style=style, state=JobState.PENDING)
    stranger = make_actor()

    def refused(path: str, headers: dict[str, str], status: int) -> dict:
        response = client.get(path, headers=headers)
        assert response.status_code == status, (path, response.text)
        return error_of(response)

    assert refused(RESULT.format(job.id, 1), stranger.headers, 404)["code"] == "not_found"
    refused(f"/api/v1/jobs/{job.id}/original", stranger.headers, 404)
    refused(f"/api/v1/jobs/{job.id}/download.zip", stranger.headers, 404)
    refused(f"/api/v1/jobs/{pending.id}/download.zip", agent.headers, 409)
    refused(RESULT.format(job.id, 1), {}, 401)
    assert "no variant 3" in refused(RESULT.format(job.id, 3), agent.headers, 404)["message"]
    assert refused(RESULT.format(job.id, 0), agent.headers, 422)["field"] == "variant"
    refused(RESULT.format(job.id, 5), agent.headers, 422)
    refused(RESULT.format(job.id, "x"), agent.headers, 422)
    assert refused(RESULT.format(pending.id, 1), agent.headers, 409)["code"] == "conflict"
    refused(RESULT.format(2**63, 1), agent.headers, 422)


def test_the_clean_copy_where_kept_and_offered(client, agent, style, session_factory, api_settings):
    job = completed_job(session_factory, api_settings, user=agent.user, style=style)
    clean_path = RESULT.format(job.id, 2) + "?clean=true"
    assert client.get(clean_path, headers=agent.headers).status_code == 404  # none kept

    storage = LocalStorage(api_settings.local_storage_dir, api_settings.secret_key)
    storage.put(rendition_key(job.result_keys[1], "clean"), photo_bytes(width=120), "image/jpeg")
    with transaction(session_factory) as session:
        session.get(Job, job.id).has_clean_copies = True
    clean = client.get(clean_path, headers=agent.headers)
    assert clean.status_code == 200
    assert _size(clean.content) == (120, 64)

    client.app.state.settings = api_settings.model_copy(update={"offer_clean_copy": False})
    assert error_of(client.get(clean_path, headers=agent.headers))["code"] == "forbidden"
