"""Jobs made without an upload: an earlier job's photo staged again, and staff test runs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.models import User
from catalog.models import Style
from catalog.sample_photo import SAMPLE_SIZE, sample_room_jpeg
from core.errors import Conflict
from core.settings import Settings
from core.storage import ObjectNotFound, Storage, StorageError
from jobs.models import Job
from jobs.submit import JobRequest, available_style, check_quota, new_job, store_input

# Test runs jump the queue a little: a merchandiser waits at the screen for them.
TEST_JOB_PRIORITY = 50
# How far "more like this variant" moves from the variant, as a fraction of a fresh draw.
SMALL_VARIATION = 0.15


def create_job_from(
    session: Session,
    *,
    user: User,
    source: Job,
    style_slug: str,
    storage: Storage,
    settings: Settings,
    seed: int | None = None,
    variation: float = 0.0,
    room_type: str | None = None,
) -> Job:
    """Stage the photo of `source` again; same mode, variants and listing, and the same room
    unless `room_type` is given. A new seed unless one is given; with `variation`, a small
    variation of that seed's image."""
    request = JobRequest(
        style_slug=style_slug,
        room_type=room_type or source.room_type,
        variants=source.variants,
        seed=seed,
        listing=source.listing,
        mode=source.mode,
    )
    request.check()
    style = available_style(session, request)
    check_quota(session, user, settings)
    try:
        data = storage.get(source.input_key)
    except ObjectNotFound as exc:
        raise Conflict(f"the photo of job {source.id} is no longer stored") from exc
    except (StorageError, OSError) as exc:
        raise StorageError(f"the photo of job {source.id} could not be read: {exc}") from exc
    job = new_job(
        user=user,
        style=style,
        request=request,
        size=(source.input_width, source.input_height),
        settings=settings,
    )
    if variation:
        job.style_snapshot = {**job.style_snapshot, "variation": variation}
    session.add(job)
    session.flush()
    store_input(session, job, data, storage)
    return job


def create_test_job(
    session: Session, *, user: User, style: Style, storage: Storage, settings: Settings
) -> Job:
    """A test run (is_test, outside quotas) of any style not archived, on the sample room."""
    if style.is_archived:
        raise Conflict(f"style '{style.slug}' is archived; restore it to try it")
    request = JobRequest(style_slug=style.slug, room_type=style.room_types[0], variants=1)
    job = new_job(user=user, style=style, request=request, size=SAMPLE_SIZE, settings=settings)
    job.is_test = True
    job.priority = TEST_JOB_PRIORITY
    session.add(job)
    session.flush()
    store_input(session, job, sample_room_jpeg(), storage)
    return job
