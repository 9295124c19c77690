"""New staging without JavaScript: the form posts one photo here and lands on its job page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep, StorageDep
from api.pages.common import CsrfChecked, PageError, PageRoute, PageUser, redirect
from core.errors import AppError, Invalid
from core.images import normalise_upload
from jobs.models import JobMode
from jobs.submit import MAX_LISTING_CHARS, MAX_VARIANTS, JobRequest, create_job

router = APIRouter(include_in_schema=False, route_class=PageRoute)

MAX_SKY_ID = 2**31 - 1


@router.post("/stage", dependencies=[CsrfChecked])
def stage_one_photo(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    user: PageUser,
    photo: Annotated[list[UploadFile], File()],
    room_type: Annotated[str, Form(max_length=40)],
    style: Annotated[str, Form(max_length=60)] = "",
    variants: Annotated[int, Form(ge=1, le=MAX_VARIANTS)] = 1,
    listing: Annotated[str, Form(max_length=MAX_LISTING_CHARS)] = "",
    mode: Annotated[JobMode, Form()] = JobMode.STAGE,
    sky: Annotated[str, Form(max_length=12)] = "",
    enhance: Annotated[bool, Form()] = False,
) -> Response:
    chosen = [upload for upload in photo if upload.filename]
    if len(chosen) != 1:
        raise PageError(
            400,
            "One photo, please",
            "Without JavaScript, New staging takes one photo at a time. Go back and choose one "
            "photo (or turn JavaScript on to stage up to 20 at once).",
            retry_url="/",
            retry_label="Back to New staging",
        )
    try:
        image = normalise_upload(chosen[0].file.read(settings.max_upload_bytes + 1), settings)
        job, _ = create_job(
            session,
            user=user,
            request=JobRequest(
                style_slug=style,
                room_type=room_type,
                variants=variants,
                seed=None,
                listing=listing.strip() or None,
                mode=mode,
                sky_id=sky_choice(mode, sky),
                enhance=enhance,
            ),
            idempotency_key=None,
            image=image,
            storage=storage,
            settings=settings,
        )
    except AppError as exc:
        message = exc.message[:1].upper() + exc.message[1:]
        raise PageError(
            exc.status,
            "Photo not staged",
            f"{message}.",
            retry_url="/",
            retry_label="Back to New staging",
        ) from exc
    return redirect(request, f"/jobs/{job.id}", "Photo received. This page follows its progress.")


def sky_choice(mode: JobMode, value: str) -> int | None:
    """The form's sky picker applies to a sky replacement only ("": the best match)."""
    if mode is not JobMode.SKY or not value:
        return None
    if not value.isdigit() or int(value) > MAX_SKY_ID:
        raise Invalid(f"there is no sky '{value}' in the sky library", field="sky")
    return int(value)
