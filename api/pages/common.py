"""What every web page shares: templates, rendering, page errors and the sign-in guards."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from math import ceil
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from accounts.models import Role, TokenKind, User
from accounts.security import csrf_token_for, new_token
from accounts.service import resolve_token
from api.deps import SessionDep, SettingsDep, roll_back_request
from api.errors import code_for_status
from api.inputs import CheckedRoute
from api.web_session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    add_flash,
    clear_flashes,
    csrf_seed,
    csrf_valid,
    read_flashes,
    set_anon_seed,
)
from catalog.models import ROOM_TYPES
from catalog.quality import REROLL_STOP_LABELS
from catalog.validation import HEX_COLOUR_PATTERN
from core.errors import AppError
from core.settings import Settings
from jobs.edits import EditAction, edit_of
from jobs.models import Job, JobMode
from jobs.service import Page as JobsPage

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_HEX = re.compile(HEX_COLOUR_PATTERN)


def _when(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else "—"


def _hex_colour(value: object) -> str:
    """Only a #rrggbb colour may reach a style attribute."""
    return str(value) if _HEX.match(str(value)) else "#cccccc"


def job_what(job: Job) -> str:
    """What a job made, for titles and lists: a removal or a finishing pass names no style, an
    edit its action."""
    if edit := edit_of(job.style_snapshot):
        return {
            EditAction.REMOVE: "Part removed",
            EditAction.REDO: "Part generated again",
            EditAction.ADD: f"Added: {edit.item.name}" if edit.item else "Piece added",
        }[edit.action]
    if made := _MADE_WITHOUT_STYLE.get(job.mode):
        return made
    return str(job.style_snapshot.get("name") or "Style")


_MADE_WITHOUT_STYLE = {
    JobMode.DECLUTTER: "Furniture removed",
    JobMode.ENHANCE: "Enhanced",
    JobMode.SKY: "Sky replaced",
    JobMode.TWILIGHT: "Twilight",
}


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters.update(
    job_what=job_what,
    when=_when,
    hex_colour=_hex_colour,
    room_label=lambda value: ROOM_TYPES.get(value, value),
)
templates.env.globals["Role"] = Role
templates.env.globals["reroll_stops"] = REROLL_STOP_LABELS


@dataclass(frozen=True)
class NavUser:
    """Who the header shows; plain values, so an error page can render after a rollback."""

    name: str
    role: Role


class PageError(AppError):
    """A page-level refusal shown as an HTML error page, with its own heading and a way back."""

    def __init__(
        self,
        status: int,
        title: str,
        message: str,
        *,
        retry_url: str | None = None,
        retry_label: str = "Show this page without filters",
    ) -> None:
        self.status, self.title = status, title
        super().__init__(message, code=code_for_status(status))
        self.retry_url, self.retry_label = retry_url, retry_label


def _bad_address(request: Request, exc: RequestValidationError) -> PageError:
    """A bad value sent to a page, told in words; a bad path is a page that is not there."""
    errors = list(exc.errors())
    places = {error.get("loc", ("",))[0] for error in errors}
    if "path" in places:
        return PageError(404, "Page not found", "There is no page at this address.")
    problems = "; ".join(
        f"{error['loc'][-1]} “{str(error.get('input'))[:40]}” ({error.get('msg', 'invalid')})"
        for error in errors
        if len(error.get("loc", ())) > 1
    )
    if "body" in places:
        return PageError(400, "Form not accepted", f"Go back and check the form: {problems}.")
    return PageError(
        400, "Bad address", f"This page cannot use {problems}.", retry_url=request.url.path
    )


def _drop_empty_query_values(request: Request) -> None:
    """A filter form sends every field; an empty one means "no filter", so it is left out."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(raw, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if value.strip()]
    if len(kept) != len(pairs):
        request.scope["query_string"] = urlencode(kept).encode("latin-1")
        request.__dict__.pop("_query_params", None)


class PageRoute(CheckedRoute):
    """A page route: errors are answered as HTML pages (api/errors.py), a bad path, query or form
    value in words."""

    renders_html = True

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            _drop_empty_query_values(request)
            try:
                return await handler(request)
            except RequestValidationError as exc:
                raise _bad_address(request, exc) from exc

        return route


class SignInRequired(Exception):
    """An anonymous visitor asked for a page that needs a user."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A template with the user, the CSRF token and pending flash messages filled in.

    A page answered with an error status rolls back what its handler wrote.
    """
    if status >= 400:
        roll_back_request(request)
    settings: Settings = request.app.state.settings
    seed = csrf_seed(request) or new_token()
    values = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token_for(seed, settings.secret_key),
        "flashes": read_flashes(request, settings),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, values, status_code=status)
    clear_flashes(request, response)
    if not csrf_seed(request):
        set_anon_seed(response, seed, settings)
    return response


def redirect(
    request: Request, url: str, message: str | None = None, *, kind: str = "success"
) -> RedirectResponse:
    """A 303 to `url` (after a form post), with an optional flash message.

    A redirect that reports an error rolls back what its handler wrote.
    """
    if kind == "error":
        roll_back_request(request)
    response = RedirectResponse(url, status_code=303)
    if message:
        add_flash(response, request.app.state.settings, kind, message)
    return response


def paging(found: JobsPage, filters: dict[str, Any]) -> dict[str, Any]:
    """What the pagination macro needs; the filters carry over to the other pages."""
    query = urlencode({name: value for name, value in filters.items() if value not in (None, "")})
    return {
        "page": found.page,
        "pages": max(1, ceil(found.total / found.per_page)),
        "base_query": f"{query}&" if query else "",
    }


def attempt(
    request: Request, back: str, action: Callable[[], object], done: str | Callable[[], str]
) -> RedirectResponse:
    """Run a service call, then go back to `back` with its outcome as a flash message (a named
    error's message too: a refusal, or storage that failed)."""
    try:
        action()
    except AppError as exc:
        return redirect(request, back, exc.message, kind="error")
    return redirect(request, back, done if isinstance(done, str) else done())


def _sentence(message: str) -> str:
    message = message.strip()
    ending = "" if message.endswith((".", "!", "?")) else "."
    return f"{message[:1].upper()}{message[1:]}{ending}"


def page_error_response(request: Request, error: AppError) -> Response:
    """Any error as the HTML error page; a 503 offers to load the page again."""
    if isinstance(error, PageError):
        context: dict[str, Any] = {
            "title": error.title,
            "message": error.message,
            "retry_url": error.retry_url,
            "retry_label": error.retry_label,
        }
    else:
        context = {
            "title": error.title or HTTPStatus(error.status).phrase,
            "message": _sentence(error.message),
            "retry_url": request.url.path if error.status == 503 else None,
            "retry_label": "Try again",
        }
    response = render(request, "error.html", context, status=error.status)
    response.headers.update(error.headers)
    return response


def sign_in_redirect(request: Request, error: SignInRequired) -> Response:
    return RedirectResponse(f"/sign-in?next={quote(error.next_url, safe='/')}", status_code=303)


def _current_user(request: Request, session: SessionDep) -> User:
    token = request.cookies.get(SESSION_COOKIE, "")
    user = resolve_token(session, token, kind=TokenKind.SESSION) if token else None
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    request.state.user = NavUser(user.name, user.role)
    return user


def _require(role: Role):
    def check(user: Annotated[User, Depends(_current_user)]) -> User:
        if not user.role.includes(role):
            raise PageError(
                403,
                "Not allowed",
                f"This part of Stagewright is for {role.value}s. Ask an admin if you need access.",
            )
        return user

    return check


async def _check_form_token(request: Request, settings: SettingsDep) -> None:
    form = await request.form()
    if not csrf_valid(request, settings, str(form.get(CSRF_FIELD, ""))):
        raise PageError(
            403,
            "Form expired",
            "This form expired or came from another site. Go back, reload the page and try again.",
        )


async def _check_session_form(request: Request, settings: SettingsDep) -> None:
    """A signed-in form: no session is a sign-in redirect, not a CSRF refusal."""
    if not request.cookies.get(SESSION_COOKIE):
        raise SignInRequired("/")
    await _check_form_token(request, settings)


PageUser = Annotated[User, Depends(_current_user)]
StaffPageUser = Annotated[User, Depends(_require(Role.MERCHANDISER))]
AdminPageUser = Annotated[User, Depends(_require(Role.ADMIN))]
CsrfChecked = Depends(_check_session_form)
AnonCsrfChecked = Depends(_check_form_token)
