"""What a job is doing, in an agent's words, and whether the fleet can run it at all.

The worker's stage texts ("Re-roll 2: Labelling (variant 2/2)", "Denoising 12/30") are for
staff; an agent reads "Staging variant 2 of 2" or "Checking quality". With no live worker that
takes jobs, nothing moves: pending jobs say that staging is paused instead of a wait estimate.
"""

from __future__ import annotations

import re

from core.db import utcnow
from jobs.models import Job, JobMode, JobState

PAUSED = "Staging is paused: no worker is running right now. This job starts when one is back."
_VARIANT = re.compile(r"\(variant (\d+)/(\d+)\)")
_QUALITY = ("Scoring", "Re-roll")
# (one variant of n, n variants at once, a single variant) per mode.
_DOING = {
    JobMode.STAGE: ("Staging variant {i} of {n}", "Staging {n} variants", "Staging the photo"),
    JobMode.DECLUTTER: (
        "Removing furniture, variant {i} of {n}",
        "Removing furniture, {n} variants",
        "Removing furniture",
    ),
    JobMode.RESTAGE: (
        "Replacing furniture, variant {i} of {n}",
        "Replacing furniture, {n} variants",
        "Replacing furniture",
    ),
}
# Below this progress a worker is still reading the room (segmentation, depth, lines).
LOOKING_BELOW_PCT = 10


def activity(job: Job, *, paused: bool) -> str:
    """The job's state in an agent's words; empty for a final job."""
    if job.state is JobState.PENDING:
        if paused:
            return PAUSED
        if job.run_after > utcnow():
            return "Waiting to try again"
        return "Waiting in line"
    if job.state is not JobState.RUNNING:
        return ""
    if job.cancel_requested_at is not None:
        return "Cancelling"
    if job.mode is JobMode.VIDEO:
        return "Rendering the video" if job.variants == 1 else f"Rendering {job.variants} videos"
    stage = job.stage or ""
    if stage.startswith(_QUALITY) or "Scoring" in stage:
        return "Checking quality"
    one, many, single = _DOING[job.mode]
    if match := _VARIANT.search(stage):
        return one.format(i=match[1], n=match[2])
    if job.progress < LOOKING_BELOW_PCT:
        return "Looking at the room"
    return many.format(n=job.variants) if job.variants > 1 else single
