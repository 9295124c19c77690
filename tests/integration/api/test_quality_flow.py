"""Scores through the worker loop into the job (both databases), the API and the job page."""

from __future__ import annotations

import pytest

from accounts.models import Role
from core.storage import make_storage
from tests.integration.api.helpers import submit
from tests.support.forms import sign_in
from worker.generators.base import GenerationRequest, GenerationResult, variant_seeds
from worker.generators.preview import PreviewGenerator
from worker.loop import Worker
from worker.quality.gate import QualityGate, reroll_seed
from worker.signals import Shutdown

SEED = 4242
FIRST, SECOND = variant_seeds(SEED, 2)
ROUND_1 = variant_seeds(reroll_seed(SEED, 1), 1)[0]


SEAMS = {FIRST: 1.5, SECOND: 30.0, ROUND_1: 4.0}
"""Variant 2 fails at first and passes when re-rolled (a test may make the re-roll worse)."""


def seam_by_seed(request: GenerationRequest, result: GenerationResult, index: int):
    return {"seam": SEAMS[result.seeds[index]]}


@pytest.fixture
def worker(api_settings, engine):
    gate = QualityGate(PreviewGenerator(step_delay_s=0), seam_by_seed, max_rerolls=2)
    worker = Worker(
        api_settings,
        generator=gate,
        storage=make_storage(api_settings),
        engine=engine,
        shutdown=Shutdown(1),
    )
    yield worker
    worker.close()


def test_scores_reach_the_api_and_the_staff_job_page(client, agent, style, worker, make_actor):
    job_id = submit(client, agent.headers, variants=2, seed=SEED).json()["id"]
    assert worker.run_once()
    body = client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()
    assert body["state"] == "completed", body["errors"]
    assert body["seeds"] == [FIRST, ROUND_1]
    assert body["room_type_guess"] is None  # the preview has no segmentation to guess from
    assert [result["seed"] for result in body["results"]] == [FIRST, ROUND_1]
    # Numbered from 1, like the job page and the stored file names.
    assert [result["variant"] for result in body["results"]] == [1, 2]
    assert all(f"/result-{r['variant']}.jpg?" in r["url"] for r in body["results"])
    assert body["results"][0]["scores"] == {
        "values": {"seam": 1.5}, "thresholds": {"seam": 8.0}, "passed": True, "attempts": 1,
        "seeds": [FIRST], "stopped": "passed",
    }  # fmt: skip
    assert body["results"][1]["scores"] == {
        "values": {"seam": 4.0}, "thresholds": {"seam": 8.0}, "passed": True, "attempts": 2,
        "seeds": [SECOND, ROUND_1], "stopped": "passed",
    }  # fmt: skip

    staff = make_actor(Role.MERCHANDISER)
    assert sign_in(client, staff.user.email).status_code == 303
    page = client.get(f"/jobs/{job_id}").text
    assert page.count('class="scores"') == 2
    assert f'seeds <span class="mono">{SECOND}, {ROUND_1}</span>' in page
    admin_page = client.get(f"/admin/jobs/{job_id}").text
    assert admin_page.count('class="scores"') == 2

    client.cookies.clear()
    assert sign_in(client, agent.user.email).status_code == 303
    own_page = client.get(f"/jobs/{job_id}").text
    assert "Variant 2" in own_page and 'class="scores"' not in own_page


def test_why_rerolling_stopped_is_kept_and_shown(
    client, agent, style, worker, make_actor, monkeypatch
):
    monkeypatch.setitem(SEAMS, ROUND_1, 45.0)  # the re-roll is worse: no second round
    job_id = submit(client, agent.headers, variants=2, seed=SEED).json()["id"]
    assert worker.run_once()
    body = client.get(f"/api/v1/jobs/{job_id}", headers=agent.headers).json()
    scores = body["results"][1]["scores"]
    assert scores["stopped"] == "no_improvement" and scores["seeds"] == [SECOND, ROUND_1]
    assert not scores["passed"] and body["results"][1]["seed"] == SECOND

    staff = make_actor(Role.MERCHANDISER)
    assert sign_in(client, staff.user.email).status_code == 303
    for page in (f"/jobs/{job_id}", f"/admin/jobs/{job_id}"):
        text = client.get(page).text
        assert 'data-stopped="no_improvement"' in text
        assert "re-rolls stopped: the best score stopped improving" in text
