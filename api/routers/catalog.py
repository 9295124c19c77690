"""The styles and room types an agent can choose from."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, SessionDep, StorageDep
from api.inputs import CheckedRoute
from api.presenters import style_out
from api.schemas import COMMON_ERRORS, RoomTypeOut, StyleOut
from catalog.models import ROOM_TYPES
from catalog.service import list_active_styles

router = APIRouter(route_class=CheckedRoute, tags=["catalog"], responses=COMMON_ERRORS)


@router.get("/styles", response_model=list[StyleOut], summary="Active styles, in catalog order")
def styles(_user: CurrentUser, session: SessionDep, storage: StorageDep) -> list[StyleOut]:
    return [style_out(style, storage) for style in list_active_styles(session)]


@router.get("/room-types", response_model=list[RoomTypeOut], summary="Every room type")
def room_types(_user: CurrentUser) -> list[RoomTypeOut]:
    return [RoomTypeOut(slug=slug, label=label) for slug, label in ROOM_TYPES.items()]
