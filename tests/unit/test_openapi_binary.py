"""api/openapi.py: every file part and every download in the document is a binary string, the
spelling client generators know a file by."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from api.openapi import answer_media_type, for_generators, is_binary_media_type
from core.settings import Settings

BINARY = {"type": "string", "format": "binary"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The app's document; building the app opens no connection."""
    return create_app(Settings(_env_file=None, database_url="sqlite://")).openapi()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: Any = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def _operations(document: dict[str, Any]):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _multipart_fields(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = {}
    for name, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "multipart/form-data" in content:
            body = _resolve(document, content["multipart/form-data"]["schema"])
            for field, schema in body["properties"].items():
                fields[f"{name} {field}"] = schema
    return fields


def test_every_multipart_file_part_is_a_binary_string(document):
    files = {
        name: schema
        for name, schema in _multipart_fields(document).items()
        if "contentMediaType" in schema or schema.get("format") == "binary"
    }
    assert set(files) == {
        "POST /api/v1/jobs photo",
        "POST /api/v1/room-guesses photo",
    }
    for name, schema in files.items():
        assert schema["type"] == "string" and schema["format"] == "binary", name
        assert schema["contentMediaType"] == "application/octet-stream", name


def test_every_binary_response_is_a_binary_string_with_octet_stream_offered(document):
    downloads = {}
    for name, operation in _operations(document):
        for status, response in operation["responses"].items():
            for media_type, body in response.get("content", {}).items():
                if is_binary_media_type(media_type):
                    assert body.get("schema") == BINARY, (name, status, media_type)
                    downloads.setdefault(name, set()).add(media_type)
    assert downloads == {
        "GET /api/v1/jobs/{job_id}/results/{variant}": {"image/jpeg", "application/octet-stream"},
        "GET /api/v1/jobs/{job_id}/original": {"image/jpeg", "application/octet-stream"},
        "GET /api/v1/jobs/{job_id}/download.zip": {"application/zip", "application/octet-stream"},
        "GET /files/{key}": {"image/jpeg", "image/png", "application/octet-stream"},
    }


def test_downloads_answer_their_errors_in_our_error_shape(document):
    result = document["paths"]["/api/v1/jobs/{job_id}/results/{variant}"]["get"]["responses"]
    for status in ("400", "401", "403", "404", "409", "422"):
        schema = result[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}, status
    files = document["paths"]["/files/{key}"]["get"]["responses"]
    assert files["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_a_file_nested_in_any_of_or_items_is_marked_and_encoded_text_is_left_alone():
    raw = {"type": "string", "contentMediaType": "application/octet-stream"}
    document: dict[str, Any] = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/zip": {}, "text/csv": {}}},
                        "201": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Body": {
                    "properties": {
                        "optional": {"anyOf": [dict(raw), {"type": "null"}]},
                        "many": {"type": "array", "items": dict(raw)},
                        "encoded": {**raw, "contentEncoding": "base64"},
                    }
                }
            }
        },
    }
    properties = for_generators(document)["components"]["schemas"]["Body"]["properties"]
    assert properties["optional"]["anyOf"][0]["format"] == "binary"
    assert properties["many"]["items"]["format"] == "binary"
    assert "format" not in properties["encoded"]
    responses = document["paths"]["/x"]["get"]["responses"]
    assert responses["200"]["content"] == {"application/zip": {"schema": BINARY}, "text/csv": {}}
    assert responses["201"]["content"]["application/json"]["schema"] == {"type": "object"}


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        (None, "image/jpeg"),
        ("*/*", "image/jpeg"),
        ("image/jpeg, application/octet-stream", "image/jpeg"),
        ("image/*;q=0.9, application/octet-stream", "image/jpeg"),
        ("application/octet-stream", "application/octet-stream"),
        ("Application/Octet-Stream; q=1, text/plain", "application/octet-stream"),
        ("image/png", "image/jpeg"),
    ],
)
def test_a_download_answers_octet_stream_only_to_a_client_that_takes_nothing_else(accept, answered):
    assert answer_media_type(accept, "image/jpeg") == answered
