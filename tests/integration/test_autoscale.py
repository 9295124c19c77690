"""The autoscaler against a local stand-in for RunPod's API, through the runpod SDK's own client."""

from __future__ import annotations

from datetime import timedelta

import pytest
import runpod
from sqlalchemy import select

from core.db import transaction, utcnow
from devops.autoscale import AutoscaleSettings, one_pass
from jobs.models import JobState, WorkerRecord
from tests.factories import make_job, make_style, make_user, make_worker_record
from tests.support.runpod_standin import runpod_standin

CFG = AutoscaleSettings(
    min_pods=0,
    max_pods=10,
    max_cost_per_hour=100,
    pod_price_per_hour=3,
    target_wait_s=60,
    default_job_s=10,
    image="registry.example/stagewright-worker:1",
)
PREFIX = CFG.pod_prefix


@pytest.fixture
def api(monkeypatch):
    with runpod_standin() as (standin, url):
        monkeypatch.setenv("RUNPOD_API_BASE_URL", url)
        monkeypatch.setattr(runpod, "api_key", "test-key")
        yield standin


def add_jobs(session, count, **fields):
    user, style = make_user(session), make_style(session)
    return [make_job(session, user=user, style=style, **fields) for _ in range(count)]


def scale(session_factory, cfg=CFG, *, dry_run=False):
    with transaction(session_factory) as session:
        return one_pass(session, runpod, cfg, live_s=60, dry_run=dry_run)


def test_a_burst_creates_pods_with_the_workers_environment(session_factory, api, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://fleet@db/stagewright")
    with transaction(session_factory) as session:
        add_jobs(session, 30)
    decision = scale(session_factory)
    # 30 jobs at 10 s a job, to be cleared within 60 s: 5 pods.
    assert (decision.target, decision.create) == (5, 5)
    assert api.calls.count("create") == 5
    assert all(pod["name"].startswith(PREFIX) for pod in api.pods.values())
    assert all({"DATABASE_URL", "GENERATOR"} <= set(pod["env"]) for pod in api.pods.values())
    # The next pass sees the pods booting and creates no more.
    assert scale(session_factory).create == 0


def test_the_cost_cap_holds(session_factory, api):
    with transaction(session_factory) as session:
        add_jobs(session, 30)
    decision = scale(session_factory, CFG.model_copy(update={"max_cost_per_hour": 7.5}))
    assert (decision.target, api.calls.count("create")) == (2, 2)
    assert any("cost cap" in reason for reason in decision.reasons)


def test_dry_run_only_reads(session_factory, api, capsys):
    with transaction(session_factory) as session:
        add_jobs(session, 30)
    scale(session_factory, dry_run=True)
    assert api.calls == ["list"] and api.pods == {}
    assert "would create 5" in capsys.readouterr().out


def test_scale_down_drains_and_never_kills_a_running_job(session_factory, api):
    idle_pod, busy_pod = api.add_pod(f"{PREFIX}-a"), api.add_pod(f"{PREFIX}-b")
    with transaction(session_factory) as session:
        now = utcnow()
        make_worker_record(session, "idle-w", host=idle_pod, last_heartbeat_at=now)
        make_worker_record(session, "busy-w", host=busy_pod, last_heartbeat_at=now)
        (job,) = add_jobs(
            session,
            1,
            state=JobState.RUNNING,
            locked_by="busy-w",
            started_at=now,
            lease_expires_at=now + timedelta(minutes=1),
        )
        session.get(WorkerRecord, "busy-w").current_job_id = job.id
    # One running job needs one pod: the idle one is drained, nothing is terminated.
    decision = scale(session_factory)
    assert (decision.target, decision.drain, decision.terminate) == (1, [idle_pod], [])
    with session_factory() as session:
        drained = {w.id: w.drain_requested_at for w in session.scalars(select(WorkerRecord))}
    assert drained["idle-w"] is not None and drained["busy-w"] is None
    # Its worker exits; its container stops; the next pass terminates that pod only.
    api.pods[idle_pod]["desiredStatus"] = "EXITED"
    with transaction(session_factory) as session:
        session.delete(session.get(WorkerRecord, "idle-w"))
    scale(session_factory)
    assert f"terminate {idle_pod}" in api.calls and busy_pod in api.pods
    # Even a pod reported stopped is left alone while a job still runs on it.
    api.pods[busy_pod]["desiredStatus"] = "EXITED"
    scale(session_factory)
    assert busy_pod in api.pods and f"terminate {busy_pod}" not in api.calls
