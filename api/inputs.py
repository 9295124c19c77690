"""One gate for hostile values on every route: control characters in text, ids past BIGINT.

PostgreSQL refuses a NUL byte in text (a 500 before this gate), SQLite stores it, and other control
characters make names and listings unreadable; so every route refuses them all, the same way. Tab,
line feed and carriage return stay allowed (prompts and notes have lines).
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

# Lone surrogates (possible only through JSON escapes) cannot be stored as UTF-8 either.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_MESSAGE = "must not contain NUL or other control characters"
# Job ids are BIGINT; the other ids (users, styles ...) are 32-bit INTEGER. A larger value cannot
# name a row, and PostgreSQL refuses to compare it with the column (a 500). Other numbers: BIGINT.
MAX_BIGINT = 2**63 - 1
MAX_INTEGER = 2**31 - 1
INTEGER_ID_QUERIES = frozenset({"user", "style"})  # /admin/jobs filters by user and style id


def _limit(name: str) -> int:
    is_integer_id = name != "job_id" and (name.endswith("_id") or name in INTEGER_ID_QUERIES)
    return MAX_INTEGER if is_integer_id else MAX_BIGINT


def _as_utc(value: datetime) -> datetime:
    """In UTC; a value whose offset moves it past year 1 or 9999 is refused (a 422, not a 500)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the date is out of range once its offset is applied") from exc


# A date-time a client sends: one without an offset is read as UTC (never a naive value inside).
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def _problem(place: str, name: object, value: object, kind: str, message: str) -> dict[str, Any]:
    return {"type": kind, "loc": (place, name), "msg": message, "input": value}


def _texts(value: Any, name: object) -> Iterator[tuple[object, str]]:
    """Every string in a parsed JSON value, keys included, with the top-level field it sits in."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, name if name is not None else key)
            yield from _texts(item, name if name is not None else key)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, name)


class _RefusedBody(HTTPException):
    """Raised while FastAPI reads the body (which turns other errors into a bare 400)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422)
        self.errors = errors


def _control_problems(place: str, pairs: Iterator[tuple[object, str]]) -> list[dict[str, Any]]:
    return [
        _problem(place, name, text, "control_character", CONTROL_MESSAGE)
        for name, text in pairs
        if CONTROL_CHARACTERS.search(text)
    ]


def _refuse_controls(place: str, pairs: Iterator[tuple[object, str]]) -> None:
    if errors := _control_problems(place, pairs):
        raise RequestValidationError(errors)


def _refuse_body(pairs: Iterator[tuple[object, str]]) -> None:
    if errors := _control_problems("body", pairs):
        raise _RefusedBody(errors)


def _form_texts(form: FormData) -> Iterator[tuple[object, str]]:
    for name, value in form.multi_items():
        yield name, name
        if isinstance(value, UploadFile):
            yield name, value.filename or ""
        else:
            yield name, value


class CheckedRequest(Request):
    """A request whose form or JSON body is refused if any text in it has a control character."""

    async def _get_form(self, **kwargs: Any) -> FormData:
        form = await super()._get_form(**kwargs)
        try:
            _refuse_body(_form_texts(form))
        except _RefusedBody:
            await form.close()  # FastAPI closes the uploads' temp files only of a form it got
            raise
        return form

    async def json(self) -> Any:
        value = await super().json()
        _refuse_body(_texts(value, None))
        return value


def _is_int(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_int(arg) for arg in get_args(annotation))
    return annotation is int


def _int_queries(route: APIRoute) -> frozenset[str]:
    """The names of the route's integer query parameters, its dependencies' included."""
    names, stack = set(), [route.dependant]
    while stack:
        dependant = stack.pop()
        names |= {f.alias for f in dependant.query_params if _is_int(f.field_info.annotation)}
        stack.extend(dependant.dependencies)
    return frozenset(names)


def ascii_digits(text: str) -> bool:
    """Only 0-9: `str.isdigit` also takes `²` and other digits that `int()` refuses."""
    return text.isascii() and text.isdigit()


def _out_of_range(name: str, value: str) -> bool:
    digits = value.removeprefix("-")
    return ascii_digits(digits) and (len(digits) > 19 or int(digits) > _limit(name))


def check_address(request: Request, int_queries: frozenset[str] = frozenset()) -> None:
    """Refuse control characters in the path and query, and integers past BIGINT."""
    path_params = request.path_params
    _refuse_controls("path", ((name, str(value)) for name, value in path_params.items()))
    query = request.query_params.multi_items()
    _refuse_controls(
        "query", (pair for name, value in query for pair in ((name, name), (name, value)))
    )
    too_big = [
        _problem("path", name, value, "id_too_large", "no such id")
        for name, value in path_params.items()
        if isinstance(value, str) and _out_of_range(name, value)
    ] + [
        _problem("query", name, value, "number_too_large", f"must be at most {_limit(name)}")
        for name, value in query
        if name in int_queries and _out_of_range(name, value)
    ]
    if too_big:
        raise RequestValidationError(too_big)


class CheckedRoute(APIRoute):
    """Every route of the app: hostile text and impossible ids are a 4xx before the handler runs."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()
        int_queries = _int_queries(self)

        async def route(request: Request) -> Any:
            check_address(request, int_queries)
            try:
                return await handler(CheckedRequest(request.scope, request.receive))
            except _RefusedBody as exc:
                raise RequestValidationError(exc.errors) from exc

        return route
