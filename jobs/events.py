"""The webhook event schema: every event's name, its payload and how the payload is read.

The one owner of this promise to the outside: the outbox records payloads with it, the
dispatcher sends them, the admin console offers its events and the OpenAPI document's
`webhooks` section is generated from it. A new kind of event is one line in Event.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from core.db import Base
from jobs.models import Job, JobMode, JobState

Executor = Session | Connection

JOB_COLUMNS = (
    "id",
    "state",
    "mode",
    "parent_job_id",
    "room_type",
    "listing",
    "user_id",
    "variants",
    "result_keys",
    "errors",
    "created_at",
    "finished_at",
)


class JobData(BaseModel):
    """A job as a webhook describes it, in the state the event left it."""

    id: int = Field(description="The job's id: `GET /api/v1/jobs/{id}` reads it")
    state: JobState
    mode: JobMode = Field(description="What the job does; `video` is a reveal video")
    parent_job_id: int | None = Field(
        description="The job whose result this one starts from (an edit, a video), if any"
    )
    edit: str | None = Field(
        None, description="An edit of the parent's result: `remove` or `redo` the painted part"
    )
    room_type: str
    style: str = Field(description="The style's name when the job was submitted")
    listing: str | None = Field(description="The listing the agent filed the photo under")
    user_id: int = Field(description="The agent who submitted the job")
    variants: int = Field(description="Results asked for")
    results: int = Field(description="Results stored (0 unless completed)")
    error: str | None = Field(description="The last attempt's error (failed jobs)")
    created_at: datetime
    finished_at: datetime | None
    api_path: str = Field(description="The job in the JSON API, below the deployment's address")

    @classmethod
    def load(cls, executor: Executor, subject_id: int) -> JobData:
        jobs = Base.metadata.tables[Job.__tablename__]
        style_name = jobs.c.style_snapshot["name"].as_string().label("style_name")
        edit = jobs.c.style_snapshot[("edit", "action")].as_string().label("edit_action")
        columns = [*(jobs.c[name] for name in JOB_COLUMNS), style_name, edit]
        row = executor.execute(select(*columns).where(jobs.c.id == subject_id)).one()._mapping
        errors = row["errors"] or []
        return cls(
            id=row["id"],
            state=row["state"],
            mode=row["mode"],
            parent_job_id=row["parent_job_id"],
            edit=row["edit_action"],
            room_type=row["room_type"],
            style=row["style_name"] or "",
            listing=row["listing"],
            user_id=row["user_id"],
            variants=row["variants"],
            results=len(row["result_keys"] or []),
            error=errors[-1].get("error") if errors and row["state"] == JobState.FAILED else None,
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            api_path=f"/api/v1/jobs/{row['id']}",
        )


class ShareData(BaseModel):
    """A share link as a webhook describes it; its token is never stored, so never sent."""

    id: int = Field(description="The link's id")
    scope: str = Field(description="`job` (one photo) or `listing` (every photo of a listing)")
    job_id: int | None
    listing: str | None
    owner_id: int = Field(description="The agent whose photos the page shows")
    created_by_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    @classmethod
    def load(cls, executor: Executor, subject_id: int) -> ShareData:
        # By table name: jobs.shares records its own events, so it cannot be imported here.
        links = Base.metadata.tables["share_links"]
        row = executor.execute(select(links).where(links.c.id == subject_id)).one()._mapping
        return cls.model_validate(dict(row))


class Event(StrEnum):
    """What a webhook endpoint can subscribe to: the name, its payload, and when it is sent."""

    data: type[JobData] | type[ShareData]
    summary: str

    def __new__(cls, value: str, data: type[JobData] | type[ShareData], summary: str) -> Event:
        member = str.__new__(cls, value)
        member._value_ = value
        member.data = data
        member.summary = summary
        return member

    JOB_COMPLETED = "job.completed", JobData, "A job finished and its results are stored"
    JOB_FAILED = "job.failed", JobData, "A job failed for good (attempts used up or bad input)"
    JOB_CANCELLED = "job.cancelled", JobData, "A job was cancelled by its owner or staff"
    SHARE_CREATED = "share.created", ShareData, "A share link was made"
    SHARE_REVOKED = "share.revoked", ShareData, "A share link was revoked"


def envelope_model(event: Event) -> type[BaseModel]:
    """The body of the event's deliveries (the Standard Webhooks shape): type, time and data."""
    return create_model(
        f"{event.name.title().replace('_', '')}Event",
        __doc__=event.summary,
        type=(Literal[event.value], Field(description="The event")),  # type: ignore[arg-type]
        timestamp=(datetime, Field(description="When the change happened (UTC)")),
        data=(event.data, ...),
    )


def envelope(event: Event, timestamp: datetime, data: dict[str, Any]) -> bytes:
    """A delivery's body, the bytes that are signed and sent."""
    body = {"type": event.value, "timestamp": timestamp.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def payload(executor: Executor, event: Event, subject_id: int) -> dict[str, Any]:
    """The event's data, read in the caller's transaction, as JSON values."""
    return event.data.load(executor, subject_id).model_dump(mode="json")
