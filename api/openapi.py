"""The OpenAPI document as client generators read it: file parts and downloads as binary strings.

FastAPI writes an upload as `{type: string, contentMediaType: application/octet-stream}`, the
OpenAPI 3.1 spelling. openapi-python-client and openapi-generator know a file only by
`format: binary` (the 3.0 spelling): without it they type the part as text, send it as a form
field, and the upload fails. Both spellings are kept, so 3.1 tools and generators agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

BINARY = {"type": "string", "format": "binary"}
# openapi-python-client reads a response body as bytes only under this media type, so every
# download offers it beside its own (the route answers with it when a client asks for it).
OCTET_STREAM = "application/octet-stream"


def binary_content(*media_types: str) -> dict[str, Any]:
    """A route's `content` for a download in these media types (and application/octet-stream)."""
    return {media_type: {"schema": dict(BINARY)} for media_type in (*media_types, OCTET_STREAM)}


def answer_media_type(accept: str | None, media_type: str) -> str:
    """application/octet-stream where the client accepts it but not `media_type` itself."""
    accepted = {part.split(";")[0].strip().lower() for part in (accept or "*/*").split(",")}
    family = media_type.split("/")[0] + "/*"
    if OCTET_STREAM in accepted and not accepted & {media_type, family, "*/*"}:
        return OCTET_STREAM
    return media_type


def is_binary_media_type(media_type: str) -> bool:
    """Bytes rather than text or JSON: images, archives, octet streams."""
    essence = media_type.split(";")[0].strip().lower()
    return not (
        essence.startswith("text/")
        or essence == "application/json"
        or essence.endswith("+json")
        or essence in ("application/x-www-form-urlencoded", "multipart/form-data")
    )


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in the document, depth first (schemas nest in properties, anyOf, items…)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def _mark_file_fields(document: dict[str, Any]) -> None:
    for schema in _schemas(document):
        raw_bytes = "contentMediaType" in schema and "contentEncoding" not in schema
        if raw_bytes and schema.get("type") == "string":
            schema.setdefault("format", "binary")


def _describe_downloads(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue  # a path item's shared `parameters`
            for response in operation.get("responses", {}).values():
                for media_type, body in response.get("content", {}).items():
                    if is_binary_media_type(media_type) and not body.get("schema"):
                        body["schema"] = dict(BINARY)


def for_generators(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every file part and every binary response body as `format: binary`."""
    _mark_file_fields(document)
    _describe_downloads(document)
    return document
