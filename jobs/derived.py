"""Jobs made without an upload: an earlier job's photo staged again, a result staged as the
next job's photo (its child), and staff test runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import User
from catalog.models import Style
from catalog.sample_photo import SAMPLE_SIZE, sample_room_jpeg
from core import disclosure
from core.errors import Conflict, Invalid
from core.settings import Settings
from core.storage import ObjectNotFound, Storage, StorageError, rendition_key
from jobs.models import Job, JobMode, JobState
from jobs.submit import JobRequest, available_style, check_quota, new_job, store_input

# Test runs jump the queue a little: a merchandiser waits at the screen for them.
TEST_JOB_PRIORITY = 50
# How far "more like this variant" moves from the variant, as a fraction of a fresh draw.
SMALL_VARIATION = 0.15
# Parents are followed at most this far up to the photo of the real room.
MAX_GENERATIONS = 10


def read_photo(storage: Storage, key: str, job_id: int) -> bytes:
    """A stored photo of a job; Conflict when it is gone, StorageError when unreadable."""
    try:
        return storage.get(key)
    except ObjectNotFound as exc:
        raise Conflict(f"the photo of job {job_id} is no longer stored") from exc
    except (StorageError, OSError) as exc:
        raise StorageError(f"the photo of job {job_id} could not be read: {exc}") from exc


def _inherit(job: Job, source: Job) -> None:
    """A job made from `source`'s photo has `source`'s parent and discloses the same kind."""
    job.parent_job_id, job.parent_variant = source.parent_job_id, source.parent_variant
    if kind := source.style_snapshot.get(disclosure.SNAPSHOT_KEY):
        job.style_snapshot = {**job.style_snapshot, disclosure.SNAPSHOT_KEY: kind}


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
    data = read_photo(storage, source.input_key, source.id)
    job = new_job(
        user=user,
        style=style,
        request=request,
        size=(source.input_width, source.input_height),
        settings=settings,
    )
    _inherit(job, source)
    if variation:
        job.style_snapshot = {**job.style_snapshot, "variation": variation}
    session.add(job)
    session.flush()
    store_input(session, job, data, storage)
    return job


def stage_result(
    session: Session,
    *,
    user: User,
    parent: Job,
    variant: int,
    style_slug: str,
    storage: Storage,
    settings: Settings,
) -> Job:
    """Stage one of a removal's results (its clean copy when there is one) as a new job, the
    parent's child: same room, variants and listing; it discloses a replacement of furniture."""
    if parent.state is not JobState.COMPLETED or not parent.mode.removes:
        raise Conflict(f"job {parent.id} has no emptied room to stage")
    if not 1 <= variant <= len(parent.result_keys):
        raise Invalid(f"job {parent.id} has no variant {variant}", field="variant")
    request = JobRequest(
        style_slug=style_slug,
        room_type=parent.room_type,
        variants=parent.variants,
        listing=parent.listing,
        mode=JobMode.STAGE,
    )
    request.check()
    style = available_style(session, request)
    check_quota(session, user, settings)
    key = parent.result_keys[variant - 1]
    data = read_photo(
        storage, rendition_key(key, "clean") if parent.has_clean_copies else key, parent.id
    )
    job = new_job(
        user=user,
        style=style,
        request=request,
        size=(parent.input_width, parent.input_height),
        settings=settings,
    )
    job.parent_job_id, job.parent_variant = parent.id, variant
    kind = disclosure.after(disclosure.kind_of(parent.mode, parent.style_snapshot), job.mode)
    if kind:
        job.style_snapshot = {**job.style_snapshot, disclosure.SNAPSHOT_KEY: kind}
    session.add(job)
    session.flush()
    store_input(session, job, data, storage)
    return job


def children(session: Session, job: Job) -> list[Job]:
    """The jobs made from this job's results, oldest first."""
    return list(session.scalars(select(Job).where(Job.parent_job_id == job.id).order_by(Job.id)))


def ancestors(session: Session, job: Job) -> list[Job]:
    """The jobs whose results led to this job's photo, the first (the real room's) first."""
    chain: list[Job] = []
    while job.parent_job_id is not None and len(chain) < MAX_GENERATIONS:
        parent = session.get(Job, job.parent_job_id)
        if parent is None:
            break
        chain.append(parent)
        job = parent
    return chain[::-1]


def original_photo_key(session: Session, job: Job) -> str:
    """The key of the photo of the real room: the input of the job's first ancestor."""
    chain = ancestors(session, job)
    return (chain[0] if chain else job).input_key


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
