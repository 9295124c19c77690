"""The queue work of a worker whose jobs do nothing: what the queue benches time."""

from __future__ import annotations

from typing import Any

from jobs import fleet, queue
from jobs.queue import ClaimedJob

LEASE_S = 60.0
NO_RESULTS: dict[str, Any] = {"result_keys": [], "mask_key": None, "seeds": [], "generator": "noop"}


def claim(conn: Any, worker_id: str) -> ClaimedJob | None:
    """Claim a job and say so on the worker's fleet row, in the caller's transaction."""
    job = queue.claim(conn, worker_id=worker_id, lease_s=LEASE_S)
    fleet.beat(conn, worker_id=worker_id, current_job_id=job.id if job else None)
    return job


def complete_and_claim(conn: Any, job: ClaimedJob, worker_id: str) -> ClaimedJob | None:
    """Complete the job and claim the next in the same transaction, as the worker loop does."""
    queue.complete(conn, job=job, worker_id=worker_id, **NO_RESULTS)
    following = queue.claim(conn, worker_id=worker_id, lease_s=LEASE_S)
    fleet.finished(
        conn,
        worker_id=worker_id,
        end=fleet.AttemptEnd.COMPLETED,
        current_job_id=following.id if following else None,
    )
    return following
