"""The job table (queue and domain record in one) and the worker fleet table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, JSONType, UTCDateTime, enum_column, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class JobState(StrEnum):
    """Where a job is in its life; jobs/queue.py makes the moves, docs/worker.md says when."""

    PENDING = "pending"  # waiting for a worker (possibly until run_after)
    RUNNING = "running"  # claimed by locked_by until lease_expires_at
    COMPLETED = "completed"  # results stored
    FAILED = "failed"  # attempts used up, or a non-retryable error
    CANCELLED = "cancelled"  # cancelled by its owner or staff

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})


class JobMode(StrEnum):
    """What a job does to the room in its photo."""

    STAGE = "stage"  # an empty room: add furniture (the default)
    DECLUTTER = "declutter"  # remove the furniture and clutter, return the empty room
    RESTAGE = "restage"  # remove the furniture, then stage the emptied room
    VIDEO = "video"  # a reveal video of finished jobs' photos (jobs/videos.py)

    @property
    def label(self) -> str:
        """The mode in an agent's words."""
        return MODE_LABELS[self]

    @property
    def removes(self) -> bool:
        """Whether the existing furniture is taken out first."""
        return self in (JobMode.DECLUTTER, JobMode.RESTAGE)

    @property
    def edits_photo(self) -> bool:
        """Whether the job alters an uploaded photo; a video is asked of finished jobs instead."""
        return self is not JobMode.VIDEO

    @property
    def stages(self) -> bool:
        """Whether furniture is added."""
        return self in (JobMode.STAGE, JobMode.RESTAGE)


MODE_LABELS = {
    JobMode.STAGE: "Empty room: add furniture",
    JobMode.DECLUTTER: "Remove furniture",
    JobMode.RESTAGE: "Replace furniture",
    JobMode.VIDEO: "Reveal video",
}


PHOTO_MODES = tuple(mode for mode in JobMode if mode.edits_photo)
"""The modes an upload may ask for, in the order the new-staging page offers them."""


class Job(Base):
    """One staging request: a photo, a room type, a style snapshot and its results."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_jobs_user_idempotency_key"),
        Index(
            "ix_jobs_pending",
            "priority",
            "id",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index(
            "ix_jobs_running_lease",
            "lease_expires_at",
            postgresql_where=text("state = 'running'"),
            sqlite_where=text("state = 'running'"),
        ),
        Index("ix_jobs_user_created", "user_id", "created_at"),
        Index("ix_jobs_state_created", "state", "created_at"),
        Index("ix_jobs_parent_job_id", "parent_job_id"),
        # Never reuse a job id on SQLite: storage keys and links are made from it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    style_id: Mapped[int | None] = mapped_column(
        ForeignKey("styles.id", ondelete="SET NULL"), nullable=True, index=True
    )
    style_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    room_type: Mapped[str] = mapped_column(String(40))
    mode: Mapped[JobMode] = mapped_column(
        enum_column(JobMode), default=JobMode.STAGE, server_default=JobMode.STAGE.value
    )
    variants: Mapped[int] = mapped_column(Integer, default=1)
    seed: Mapped[int] = mapped_column(BigInteger)
    listing: Mapped[str | None] = mapped_column(String(200), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    is_test: Mapped[bool] = mapped_column(default=False)

    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.PENDING)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(120), default="")
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)

    input_key: Mapped[str] = mapped_column(String(255))
    input_width: Mapped[int] = mapped_column(Integer)
    input_height: Mapped[int] = mapped_column(Integer)
    result_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    mask_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    result_seeds: Mapped[list[int]] = mapped_column(JSONType, default=list)
    result_scores: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    """Per variant: the quality gate's scores, pass/fail, and every attempt's seed."""
    room_type_guess: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """The room type the worker's segmentation of the photo suggests (None: no guess)."""
    generator: Mapped[str | None] = mapped_column(String(40), nullable=True)
    has_clean_copies: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The completing worker stored an unlabelled copy of every result (rendition "clean")."""
    parent_job_id: Mapped[int | None] = mapped_column(
        BigId,
        ForeignKey("jobs.id", ondelete="SET NULL", name="fk_jobs_parent_job_id"),
        nullable=True,
    )
    """The job whose result this job's photo is (None: an upload, or the parent was deleted)."""
    parent_variant: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Which of the parent's variants this job's photo is."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JobRetry(Base):
    """A retry of a failed or cancelled job; it counts against its owner's daily quota."""

    __tablename__ = "job_retries"
    __table_args__ = (Index("ix_job_retries_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("jobs.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerRecord(Base):
    """One running worker process, kept up to date by the worker itself."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    generator: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    gpu_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    gpu_memory_mb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    current_job_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    jobs_done: Mapped[int] = mapped_column(Integer, default=0)
    jobs_failed: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    drain_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Set by staff: finish the current job, claim no more, exit (read at the next heartbeat)."""


class Departure(StrEnum):
    """How a worker left the fleet."""

    DRAINED = "drained"  # exited after staff asked it to drain
    STOPPED = "stopped"  # exited on its own (SIGTERM, scale-down)
    REMOVED = "removed"  # its row was removed after it fell silent


class WorkerDeparture(Base):
    """A worker that left, kept for a day so the fleet page can say where it went."""

    __tablename__ = "worker_departures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(String(120))
    host: Mapped[str] = mapped_column(String(255))
    generator: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    gpu_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    jobs_done: Mapped[int] = mapped_column(Integer)
    jobs_failed: Mapped[int] = mapped_column(Integer)
    drain_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    how: Mapped[Departure] = mapped_column(enum_column(Departure))
    left_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
