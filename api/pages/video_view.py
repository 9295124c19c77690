"""The videos a job's page lists: what each shows, how far it is, and its players."""

from __future__ import annotations

from typing import Any

from jobs.activity import activity
from jobs.models import Job, JobState
from jobs.shares import ShareScope
from jobs.videos import VideoShape, VideoSpec

SHAPE_LABELS = {
    VideoShape.LANDSCAPE: "Landscape 1920 x 1080",
    VideoShape.VERTICAL: "Vertical 1080 x 1920 (stories, reels)",
}


def video_view(job: Job, *, paused: bool) -> dict[str, Any]:
    """One video as the job page lists it."""
    spec = VideoSpec.of(job)
    done = job.state is JobState.COMPLETED
    return {
        "job": job,
        "what": "The whole listing" if spec.scope is ShareScope.LISTING else "This photo",
        "photos": len(spec.photos),
        "activity": activity(job, paused=paused),
        "error": job.errors[-1]["error"] if job.errors and job.state is JobState.FAILED else None,
        "shapes": [
            {
                "name": shape.value,
                "label": SHAPE_LABELS[shape],
                "url": f"/jobs/{job.id}/video/{shape.value}.mp4" if done else None,
                "portrait": shape is VideoShape.VERTICAL,
            }
            for shape in spec.shapes
        ],
    }
