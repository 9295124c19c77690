"""The product through real processes: seed.py, a uvicorn API and a preview worker, on both DBs."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import httpx
import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from seed import DEMO_USERS
from tests.factories import photo_bytes
from tests.support.processes import ROOT, ApiServer, Fleet, process_env

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 320, 256
LEASE_S = 10


def sign_in(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def metric_values(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def poll_states(client: httpx.Client, headers: dict[str, str], job: dict) -> tuple[list, dict]:
    """Poll the job until it is final; return the distinct states seen, in order, and the job."""
    states = [job["state"]]
    deadline = time.monotonic() + 120
    while job["state"] not in {"completed", "failed", "cancelled"}:
        assert time.monotonic() < deadline, f"job stuck in {job['state']}"
        time.sleep(0.05)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()
        if job["state"] != states[-1]:
            states.append(job["state"])
    return states, job


def fetch_image(client: httpx.Client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def test_agent_stages_a_photo_through_api_and_worker_processes(engine, settings, tmp_path):
    env = {
        "APP_ENV": "dev",
        "DATABASE_URL": settings.database_url,
        "LOCAL_STORAGE_DIR": settings.local_storage_dir,
        "LEASE_S": LEASE_S,
    }
    seeded = subprocess.run(
        [sys.executable, "seed.py", "--demo"],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    (agent_email, agent_password, *_), (admin_email, admin_password, *_) = DEMO_USERS

    fleet = Fleet(settings, tmp_path)
    try:
        worker = fleet.start("e2e-1", LEASE_S=LEASE_S, PREVIEW_STEP_DELAY_S=0.1)
        with (
            ApiServer(tmp_path / "api.log", **env) as api,
            httpx.Client(base_url=api.url, timeout=30) as client,
        ):
            agent = sign_in(client, agent_email, agent_password)
            admin = sign_in(client, admin_email, admin_password)
            style = client.get("/api/v1/styles", headers=agent).json()[0]
            submitted = client.post(
                "/api/v1/jobs",
                headers=agent,
                data={"style": style["slug"], "room_type": style["room_types"][0], "variants": 2},
                files={"photo": ("room.jpg", photo_bytes("JPEG", WIDTH, HEIGHT), "image/jpeg")},
            )
            assert submitted.status_code == 202, submitted.text

            states, job = poll_states(client, agent, submitted.json())
            assert states == ["pending", "running", "completed"], job["errors"]
            assert len(job["results"]) == 2 and len(set(job["seeds"])) == 2
            for url in [result["url"] for result in job["results"]] + [job["mask_url"]]:
                assert fetch_image(client, url).size == (WIDTH, HEIGHT)

            metrics = metric_values(client.get("/metrics").text)
            assert metrics[("stagewright_jobs", (("state", "completed"),))] >= 1
            assert metrics[("stagewright_workers_alive", ())] == 1

            assert client.get("/api/v1/workers", headers=agent).status_code == 403
            fleet_rows = client.get("/api/v1/workers", headers=admin).json()
            assert [(w["id"], w["pid"], w["stale"]) for w in fleet_rows] == [
                ("e2e-1", worker.pid, False)
            ]
            assert fleet_rows[0]["jobs_done"] == 1

            assert fleet.stop() == {"e2e-1": 0}
            assert client.get("/api/v1/workers", headers=admin).json() == []
    finally:
        fleet.kill_all()
