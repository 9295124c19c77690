"""Serves LocalStorage objects behind signed, expiring URLs (R2 serves its own)."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import StorageDep
from api.errors import Forbidden
from api.inputs import CheckedRoute
from api.schemas import ErrorOut
from core.errors import NotFound
from core.storage import LocalStorage, ObjectNotFound

router = APIRouter(route_class=CheckedRoute, tags=["files"])


@router.get(
    "/files/{key:path}",
    summary="A stored image, for the URLs the API hands out",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
    },
)
def get_file(
    key: str,
    storage: StorageDep,
    expires: int = Query(ge=0, le=10**12),
    sig: str = Query(min_length=1, max_length=128),
) -> Response:
    if not isinstance(storage, LocalStorage):
        raise NotFound("files are served by object storage, not by the API")
    if not storage.verify(key, expires, sig):
        raise Forbidden("the link is invalid or has expired; reload the page", code="bad_signature")
    try:
        data = storage.get(key)
    except (ObjectNotFound, ValueError, IsADirectoryError) as exc:
        raise NotFound("no such file") from exc
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
