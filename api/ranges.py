"""Byte ranges of a stored file (RFC 9110 single ranges): a browser's video element asks for the
part it needs (the index first, then where the viewer seeks) and only seeks what it may range."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _span(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single range; None for one that cannot be satisfied."""
    match = _RANGE.fullmatch(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        return (max(0, size - suffix), size - 1) if suffix > 0 and size > 0 else None
    first = int(match[1])
    last = min(int(match[2]), size - 1) if match[2] else size - 1
    return (first, last) if first <= last else None


def ranged(request: Request, data: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """The whole file (200), the range asked for (206), or 416 for a range past its end."""
    headers = {**headers, "Accept-Ranges": "bytes"}
    asked = request.headers.get("range")
    if not asked or "," in asked:  # no range, or several: the whole file is a valid answer
        return Response(data, media_type=media_type, headers=headers)
    span = _span(asked, len(data))
    if span is None:
        headers["Content-Range"] = f"bytes */{len(data)}"
        return Response(status_code=416, headers=headers)
    first, last = span
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    return Response(data[first : last + 1], status_code=206, media_type=media_type, headers=headers)
