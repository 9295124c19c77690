"""Ask a worker which room type a photo shows, before any job exists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Response, UploadFile

from api.deps import CurrentUser, SessionDep, SettingsDep, StorageDep
from api.inputs import CheckedRoute
from api.schemas import COMMON_ERRORS, RoomGuessOut, error_responses
from catalog.models import ROOM_TYPES
from core.images import normalise_upload
from jobs.room_guesses import RoomGuess, create_guess, forget_photo, get_guess_for

router = APIRouter(route_class=CheckedRoute, tags=["room guesses"], responses=COMMON_ERRORS)

GuessId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The guess's id")]


def guess_out(guess: RoomGuess) -> RoomGuessOut:
    return RoomGuessOut(
        id=guess.id,
        state=guess.state,
        room_type=guess.room_type,
        label=ROOM_TYPES.get(guess.room_type or ""),
    )


@router.post(
    "/room-guesses",
    status_code=202,
    response_model=RoomGuessOut,
    summary="Ask for the room type a photo shows",
    description=(
        "Multipart form with one photo (a small copy is enough), validated like a job's. "
        "A worker answers within seconds when one is idle; poll GET /room-guesses/{id}. "
        "The photo is deleted once the answer has been read, and every guess within the hour. "
        "At most 60 a minute per user (429 with Retry-After)."
    ),
    responses=error_responses(413, 415, 429, 503),
)
def ask_for_guess(
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    photo: Annotated[UploadFile, File(description="JPEG, PNG or WebP photo of the room")],
) -> RoomGuessOut:
    image = normalise_upload(photo.file.read(settings.max_upload_bytes + 1), settings)
    guess = create_guess(session, user=user, image=image, storage=storage)
    response.headers["Location"] = f"/api/v1/room-guesses/{guess.id}"
    return guess_out(guess)


@router.get(
    "/room-guesses/{guess_id}",
    response_model=RoomGuessOut,
    summary="A room type guess",
    responses=error_responses(404),
)
def get_guess(
    guess_id: GuessId, user: CurrentUser, session: SessionDep, storage: StorageDep
) -> RoomGuessOut:
    guess = get_guess_for(session, user=user, guess_id=guess_id)
    forget_photo(guess, storage)
    return guess_out(guess)
