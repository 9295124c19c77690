"""Draining a real `python worker.py`: it finishes its job, claims no more and exits."""

from __future__ import annotations

import pytest

from core.db import transaction
from jobs import departures
from jobs import fleet as fleet_rows
from jobs.models import Departure, Job, JobState, WorkerRecord
from tests.integration.test_worker_processes import add_jobs, job_state
from tests.support.processes import wait_for

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_drained_worker_finishes_its_job_claims_no_more_and_exits(
    fleet, settings, session_factory
):
    first, second = add_jobs(settings, session_factory, 2)
    proc = fleet.start("busy", PREVIEW_STEP_DELAY_S=0.3, SHUTDOWN_GRACE_S=0)
    wait_for(lambda: job_state(session_factory, first).state is JobState.RUNNING, what="claim")
    with transaction(session_factory) as session:
        assert fleet_rows.request_drain(session, worker_id="busy")
    assert proc.wait(timeout=90) == 0
    assert job_state(session_factory, first).state is JobState.COMPLETED
    assert job_state(session_factory, second).state is JobState.PENDING
    with session_factory() as session:
        assert session.get(WorkerRecord, "busy") is None
        assert session.get(Job, second).attempt == 0
        left = [d for d in departures.recent(session) if d.worker_id == "busy"]
        assert [(d.how, d.jobs_done) for d in left] == [(Departure.DRAINED, 1)]
    assert any("drain requested" in line["msg"] for line in fleet.log_lines("busy"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_idle_drained_worker_exits_and_leaves_new_jobs_alone(fleet, settings, session_factory):
    proc = fleet.start("idle")
    wait_for(lambda: fleet.log_lines("idle"), what="start")
    wait_for(
        lambda: any("worker started" in line["msg"] for line in fleet.log_lines("idle")),
        what="worker started",
    )
    with transaction(session_factory) as session:
        assert fleet_rows.request_drain(session, worker_id="idle")
        assert not fleet_rows.request_drain(session, worker_id="nobody")
    assert proc.wait(timeout=30) == 0
    job_id = add_jobs(settings, session_factory, 1)[0]
    assert job_state(session_factory, job_id).state is JobState.PENDING
