"""What an agent reads about a job that did not finish: a plain message and what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from core.storage import Storage
from jobs.models import Job, JobState

UNREADABLE_MARK = "is not a readable image"


@dataclass(frozen=True)
class Outcome:
    """The message for a failed or cancelled job, and whether a retry can help."""

    message: str
    photo_stored: bool
    can_retry: bool


def describe_outcome(job: Job, storage: Storage) -> Outcome | None:
    """None for a job that is still going or that completed."""
    if job.state not in (JobState.FAILED, JobState.CANCELLED):
        return None
    if not storage.exists(job.input_key):
        return Outcome(
            "The original photo is no longer stored, so this job cannot run again. "
            "Upload the photo again on New staging to stage it.",
            photo_stored=False,
            can_retry=False,
        )
    if job.state is JobState.CANCELLED:
        return Outcome(
            "This job was cancelled, so nothing was staged. Retry it to stage the same photo.",
            photo_stored=True,
            can_retry=True,
        )
    last_error = job.errors[-1].get("error", "") if job.errors else ""
    if UNREADABLE_MARK in last_error:
        return Outcome(
            "We could not read this photo. Export it again as a JPEG, PNG or WebP and upload it "
            "on New staging.",
            photo_stored=True,
            can_retry=False,
        )
    return Outcome(
        "Something went wrong on our side while staging this photo. Retrying usually helps; "
        "if it fails again, tell your admin the job number.",
        photo_stored=True,
        can_retry=True,
    )
