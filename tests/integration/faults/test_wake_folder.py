"""WAKE_DIR deleted under running worker processes (a cleanup of the pod's disk): they live on,
make it again and still take new jobs."""

from __future__ import annotations

import shutil

import pytest

from jobs.models import JobState
from tests.support.faults import add_job, load
from tests.support.processes import wait_for

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

WORKERS = ("w1", "w2")


def completed(session_factory, job_id: int):
    """A check for wait_for: the job is completed."""
    return lambda: load(session_factory, job_id).state is JobState.COMPLETED


def test_a_deleted_wake_folder_is_made_again_and_ends_no_worker(
    settings, session_factory, fleet, tmp_path
):
    wake_dir = tmp_path / "wake"  # the fleet's WAKE_DIR
    procs = [fleet.start(name) for name in WORKERS]
    wait_for(lambda: any(wake_dir.glob("*/idle/w*")), timeout_s=30, what="an idle worker")
    (pod,) = wake_dir.iterdir()
    first = add_job(settings, session_factory)
    wait_for(completed(session_factory, first), timeout_s=30, what="the first job")

    for deleted in (wake_dir, pod / "idle"):
        shutil.rmtree(deleted)
        wait_for(
            lambda: (pod / "wake.fifo").exists() and any((pod / "idle").glob("w*")),
            timeout_s=10,
            what=f"{deleted.name} made again",
        )
        job_id = add_job(settings, session_factory)
        wait_for(completed(session_factory, job_id), timeout_s=15, what="a new job done")
        assert [proc.poll() for proc in procs] == [None, None]

    lines = [line for name in WORKERS for line in fleet.log_lines(name)]
    assert not [line for line in lines if line["level"] == "error"], lines
    assert any("was deleted: made again" in line["msg"] for line in lines)
    assert fleet.stop() == dict.fromkeys(WORKERS, 0)
