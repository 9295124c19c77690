"""The editor of one result: the agent paints a part of it, then removes, redoes or adds a
curated piece to that part (jobs/edits.py). Painting needs JavaScript (api/static/js/brush.js);
the form posts the painted region as a PNG file, as the API does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import CsrfChecked, PageError, PageRoute, PageUser, redirect, render
from api.pages.job_view import load_job
from catalog.items import list_items
from core import disclosure
from core.errors import AppError
from jobs.edits import MAX_MASK_BYTES, MAX_MASK_SHARE, EditAction, create_edit
from jobs.models import Job, JobState

router = APIRouter(include_in_schema=False, route_class=PageRoute)

DOING = {
    EditAction.REMOVE: "Removing",
    EditAction.REDO: "Generating again",
    EditAction.ADD: "Adding the piece you chose to",
}


def _variant(job: Job, variant: int) -> None:
    if job.state is not JobState.COMPLETED or not 1 <= variant <= len(job.result_keys):
        raise PageError(
            404, "Nothing to edit", f"Job #{job.id} has no finished variant {variant} to edit."
        )


@router.get("/jobs/{job_id}/variants/{variant}/edit")
def edit_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser, job_id: int,
    variant: int,
) -> Response:  # fmt: skip
    job = load_job(session, user, job_id)
    _variant(job, variant)
    items = list_items(session, room_type=job.room_type, active=True)
    return render(
        request,
        "floor/edit.html",
        {
            "nav": "jobs",
            "job": job,
            "variant": variant,
            "image_url": f"/jobs/{job.id}/web/{variant}.jpg",
            "actions": [a for a in EditAction if items or a is not EditAction.ADD],
            "items": items,
            "max_share": MAX_MASK_SHARE,
            "caption": disclosure.disclosure_for("edited", settings).caption,
        },
    )


@router.post("/jobs/{job_id}/variants/{variant}/edit", dependencies=[CsrfChecked])
def edit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    job_id: int,
    variant: int,
    action: Annotated[EditAction, Form()],
    mask: Annotated[UploadFile | None, File()] = None,
    item: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> Response:
    parent = load_job(session, user, job_id)
    _variant(parent, variant)
    back = f"/jobs/{parent.id}/variants/{variant}/edit"
    try:
        job = create_edit(
            session,
            user=user,
            parent=parent,
            variant=variant,
            action=action,
            mask=mask.file.read(MAX_MASK_BYTES + 1) if mask else b"",
            storage=storage,
            settings=settings,
            item=item,
        )
    except AppError as exc:
        return redirect(request, back, exc.message, kind="error")
    message = f"{DOING[action]} the part you painted of variant {variant}."
    return redirect(request, f"/jobs/{job.id}", message)
