"""The styles, room types and pieces to add (edits) an agent can choose from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep, StorageDep
from api.inputs import CheckedRoute
from api.presenters import style_out
from api.schemas import COMMON_ERRORS, EditItemOut, RoomTypeOut, StyleOut, error_responses
from catalog.items import list_items
from catalog.models import ROOM_TYPES
from catalog.service import list_active_styles
from core.errors import Invalid

router = APIRouter(route_class=CheckedRoute, tags=["catalog"], responses=COMMON_ERRORS)


@router.get("/styles", response_model=list[StyleOut], summary="Active styles, in catalog order")
def styles(_user: CurrentUser, session: SessionDep, storage: StorageDep) -> list[StyleOut]:
    return [style_out(style, storage) for style in list_active_styles(session)]


@router.get("/room-types", response_model=list[RoomTypeOut], summary="Every room type")
def room_types(_user: CurrentUser) -> list[RoomTypeOut]:
    return [RoomTypeOut(slug=slug, label=label) for slug, label in ROOM_TYPES.items()]


@router.get(
    "/edit-items",
    response_model=list[EditItemOut],
    summary="Active pieces an edit can add, by name",
    responses=error_responses(422),
)
def edit_items(
    _user: CurrentUser,
    session: SessionDep,
    room_type: Annotated[
        str | None, Query(max_length=40, description="Only those offered for this room type")
    ] = None,
) -> list[EditItemOut]:
    if room_type is not None and room_type not in ROOM_TYPES:
        raise Invalid(f"unknown room type {room_type}; see GET /room-types", field="room_type")
    return [
        EditItemOut(id=item.id, name=item.name, room_types=list(item.room_types))
        for item in list_items(session, room_type=room_type, active=True)
    ]
