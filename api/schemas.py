"""Request and response bodies of the JSON API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

from accounts.models import Role
from catalog.quality import RerollStop
from jobs.edits import EditAction
from jobs.models import JobMode, JobState
from jobs.room_guesses import GuessState


class FieldError(BaseModel):
    field: str | None = Field(description="The input, e.g. variants or photo")
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable reason, e.g. too_large, quota_exceeded")
    message: str = Field(description="What went wrong and what to do about it")
    field: str | None = Field(None, description="The input the error is about, if any")
    details: list[FieldError] | None = Field(
        None, description="Every invalid input (validation errors only)"
    )


class ErrorOut(BaseModel):
    """The shape of every error response."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries saying that these statuses answer with ErrorOut."""
    return {
        status: {"model": ErrorOut, "description": HTTPStatus(status).phrase} for status in statuses
    }


# Any request can be malformed (400), unsigned (401) or invalid (422); listing 422 here also
# replaces FastAPI's default HTTPValidationError schema, which is not what we answer.
COMMON_ERRORS = error_responses(400, 401, 422)


class TokenRequest(BaseModel):
    email: str = Field(max_length=254, examples=["agent@stagewright.local"])
    password: str = Field(max_length=1024)
    name: str = Field("", max_length=120, description="A label to recognise the token by")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: datetime | None


class QuotaOut(BaseModel):
    limit: int = Field(description="Jobs allowed per UTC day")
    used: int = Field(description="Jobs submitted since UTC midnight")
    resets_at: datetime


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    is_active: bool
    quota: QuotaOut


class StyleOut(BaseModel):
    slug: str
    name: str
    description: str
    palette: list[str]
    room_types: list[str]
    preview_url: str | None


class RoomTypeOut(BaseModel):
    slug: str
    label: str


class EditItemOut(BaseModel):
    """A piece an edit can add (`action` add, `item` its id)."""

    id: int
    name: str
    room_types: list[str]


class StyleRef(BaseModel):
    slug: str | None
    name: str | None


class ScoresOut(BaseModel):
    """The quality gate's verdict on one delivered variant."""

    values: dict[str, float] = Field(
        description="Score name -> value: furniture, style, seam, leftover (see docs/models.md)"
    )
    thresholds: dict[str, float] = Field(description="The minimum (or maximum) each score needed")
    passed: bool = Field(description="False: the best attempt, delivered below threshold")
    attempts: int = Field(description="Generations made for this variant (1 + re-rolls)")
    seeds: list[int] = Field(description="Every attempt's seed, in order")
    stopped: RerollStop | None = Field(
        None,
        description="Why no further attempt was made: passed, no_improvement (the last re-roll "
        "did not beat the best), gpu_cap (QUALITY_MAX_GPU_S), max_rerolls; None on jobs scored "
        "before it was recorded",
    )


class ResultOut(BaseModel):
    """One delivered variant."""

    variant: int = Field(
        description="1-based variant number, as on the job page and in the image's file name"
    )
    url: str
    seed: int | None
    scores: ScoresOut | None = Field(None, description="None when the gate did not run")


class JobOut(BaseModel):
    """A staging job; poll it until `state` is final (completed, failed or cancelled)."""

    id: int
    state: JobState
    progress: int = Field(description="0 to 100")
    stage: str = Field(description="What the worker is doing now, in the worker's words")
    activity: str = Field(
        description="What the job is doing, in an agent's words (empty once final)"
    )
    paused: bool = Field(
        description="No live worker takes jobs, so a waiting job cannot start until one is back"
    )
    queue_position: int | None = Field(description="Pending jobs ahead of this one (0 = next)")
    estimated_wait_s: float | None = Field(
        description="Seconds until results, roughly; null without history or while paused"
    )
    parent_job_id: int | None = Field(
        None, description="The job whose result this job's photo is (null: an upload)"
    )
    parent_variant: int | None = Field(None, description="Which of the parent's variants")
    edit: EditAction | None = Field(
        None, description="For an edit of the parent's result: what it does to the painted part"
    )
    attempt: int
    max_attempts: int
    errors: list[dict[str, Any]] = Field(
        description="The last 20 attempts' errors, oldest first: {attempt, at, error}"
    )
    errors_dropped: int = Field(0, description="Older errors no longer kept in `errors`")
    style: StyleRef
    room_type: str
    room_type_guess: str | None = Field(
        None, description="The room type the photo looks like to the worker (after it ran)"
    )
    mode: JobMode
    sky_id: int | None = Field(
        None, description="Mode sky: the library sky chosen (null: the best-matching active one)"
    )
    enhance: bool = Field(
        False, description="The photo is auto-enhanced before the mode's own work"
    )
    variants: int
    seed: int
    listing: str | None
    input_url: str
    input_width: int
    input_height: int
    mask_url: str | None
    results: list[ResultOut]
    video_shapes: list[str] | None = Field(
        None,
        description="A video job (mode video): the shape of each result's MP4, in order "
        "(landscape 1920x1080, vertical 1080x1920)",
    )
    seeds: list[int]
    cancel_requested_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    page: int
    per_page: int
    pages: int


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    """`ready`; the schema revision and storage backend only for those who may see details."""

    status: str
    schema_revision: str | None = None
    storage: str | None = None


class WorkerOut(BaseModel):
    """One registered worker process, as it last reported itself."""

    id: str
    host: str
    pid: int
    generator: str
    version: str
    gpu_name: str | None
    gpu_memory_mb: int | None
    started_at: datetime
    last_heartbeat_at: datetime
    current_job_id: int | None
    jobs_done: int
    jobs_failed: int
    stale: bool = Field(description="No heartbeat within 3 leases: the process is likely gone")


class RoomGuessOut(BaseModel):
    """A room type guessed from a photo before a job exists."""

    id: int
    state: GuessState = Field(description="pending and running: ask again shortly")
    room_type: str | None = Field(
        None, description="The guessed room type (see GET /room-types); null: no guess"
    )
    label: str | None = Field(None, description="The guessed room type in an agent's words")
