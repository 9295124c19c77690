"""What an agent reads about a job that did not finish: a plain message and what to do next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.storage import Storage
from jobs.models import Job, JobState
from jobs.service import RETRYABLE, retry_cannot_help


@dataclass(frozen=True)
class Outcome:
    """The message for a failed or cancelled job, and whether a retry can help."""

    message: str
    photo_stored: bool
    can_retry: bool


def describe_outcome(job: Job, storage: Storage) -> Outcome | None:
    """None for a job that is still going or that completed."""
    if job.state not in RETRYABLE:
        return None
    stored = storage.exists(job.input_key)
    can_retry = retry_cannot_help(job, photo_stored=stored) is None
    if not stored:
        message = (
            "The original photo is no longer stored, so this job cannot run again. "
            "Upload the photo again on New staging to stage it."
        )
    elif job.state is JobState.CANCELLED:
        message = "This job was cancelled, so nothing was staged. Retry it to stage the same photo."
    elif not can_retry:
        message = (
            "We could not read this photo. Export it again as a JPEG, PNG or WebP and upload it "
            "on New staging."
        )
    else:
        message = (
            "Something went wrong on our side while staging this photo. Retrying usually helps; "
            "if it fails again, tell your admin the job number."
        )
    return Outcome(message, photo_stored=stored, can_retry=can_retry)


def retry_helps(jobs: Iterable[Job], storage: Storage) -> set[int]:
    """The ids among `jobs` that a Retry button may be offered for (failed or cancelled ones
    whose retry can help)."""
    return {
        job.id
        for job in jobs
        if job.state in RETRYABLE
        and retry_cannot_help(job, photo_stored=storage.exists(job.input_key)) is None
    }
