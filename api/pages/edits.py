"""The editor of one result: the agent paints a part of it, then removes or redoes that part
(jobs/edits.py). Painting needs JavaScript (api/static/js/brush.js); the form posts the painted
region as a PNG file, as the API does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import CsrfChecked, PageError, PageRoute, PageUser, redirect, render
from api.pages.job_view import load_job
from core import disclosure
from core.errors import AppError
from jobs.edits import MAX_MASK_BYTES, MAX_MASK_SHARE, EditAction, create_edit
from jobs.models import Job, JobState

router = APIRouter(include_in_schema=False, route_class=PageRoute)


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
    return render(
        request,
        "floor/edit.html",
        {
            "nav": "jobs",
            "job": job,
            "variant": variant,
            "image_url": f"/jobs/{job.id}/web/{variant}.jpg",
            "actions": list(EditAction),
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
        )
    except AppError as exc:
        return redirect(request, back, exc.message, kind="error")
    done = "Removing" if action is EditAction.REMOVE else "Generating again"
    message = f"{done} the part you painted of variant {variant}."
    return redirect(request, f"/jobs/{job.id}", message)
