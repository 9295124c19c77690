"""Serves LocalStorage objects behind signed, expiring URLs (R2 serves its own)."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import StorageDep
from api.errors import Forbidden
from api.inputs import CheckedRoute
from api.openapi import answer_media_type, binary_content
from api.schemas import error_responses
from core.errors import NotFound
from core.storage import LocalStorage, ObjectNotFound

router = APIRouter(route_class=CheckedRoute, tags=["files"])


@router.get(
    "/files/{key:path}",
    summary="A stored image, for the URLs the API hands out",
    response_class=Response,
    responses={
        200: {"content": binary_content("image/jpeg", "image/png")},
        **error_responses(403, 404, 422),
    },
)
def get_file(
    request: Request,
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
        media_type=answer_media_type(request.headers.get("accept"), content_type),
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
