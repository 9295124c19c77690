"""What a job is doing, in an agent's words: never the worker's stage texts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import utcnow
from jobs.activity import PAUSED, activity
from jobs.models import Job, JobMode, JobState
from jobs.stats import FleetState


def job(state: JobState, stage: str = "", progress: int = 50, **fields) -> Job:
    values = {"mode": JobMode.STAGE, "variants": 2, "run_after": utcnow(), **fields}
    return Job(state=state, stage=stage, progress=progress, **values)


@pytest.mark.parametrize(
    ("stage", "mode", "progress", "words"),
    [
        ("Re-roll 2: Labelling (variant 2/2)", JobMode.STAGE, 90, "Checking quality"),
        ("Scoring variant 1/2", JobMode.STAGE, 80, "Checking quality"),
        ("Placing furniture (variant 2/2)", JobMode.STAGE, 60, "Staging variant 2 of 2"),
        ("Labelling (variant 1/2)", JobMode.DECLUTTER, 40, "Removing furniture, variant 1 of 2"),
        ("Denoising 12/30", JobMode.STAGE, 40, "Staging 2 variants"),
        ("Denoising 12/30", JobMode.RESTAGE, 40, "Replacing furniture, 2 variants"),
        ("Segmenting", JobMode.STAGE, 2, "Looking at the room"),
        ("", JobMode.STAGE, 0, "Looking at the room"),
    ],
)
def test_a_running_job_in_an_agents_words(stage, mode, progress, words):
    assert activity(job(JobState.RUNNING, stage, progress, mode=mode), paused=False) == words


def test_waiting_jobs_and_a_paused_fleet():
    assert activity(job(JobState.PENDING), paused=False) == "Waiting in line"
    later = job(JobState.PENDING, run_after=utcnow() + timedelta(minutes=1))
    assert activity(later, paused=False) == "Waiting to try again"
    assert activity(job(JobState.PENDING), paused=True) == PAUSED
    assert "starts when one is back" in PAUSED
    assert activity(job(JobState.RUNNING, "Denoising 3/30"), paused=True) == "Staging 2 variants"
    assert activity(job(JobState.COMPLETED), paused=False) == ""
    single = job(JobState.RUNNING, "Decoding", variants=1)
    assert activity(single, paused=False) == "Staging the photo"


def test_staff_read_why_staging_is_paused():
    assert FleetState(live=2, draining=1).paused_reason is None
    assert "No live workers" in (FleetState(live=0, draining=0).paused_reason or "")
    assert "All 2 live worker(s) are draining" in (FleetState(2, 2).paused_reason or "")
