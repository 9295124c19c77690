"""The web UI's cookies: the session, the pre-sign-in CSRF seed, one-shot flash messages and the
known-device mark."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from fastapi import Request, Response

from accounts.security import csrf_token_matches
from api.deps import SESSION_COOKIE
from core.settings import AppEnv, Settings
from core.signing import digests_match

# Seeds the CSRF token of the sign-in form, before there is a session (login CSRF).
ANON_COOKIE = "sw_anon"
FLASH_COOKIE = "sw_flash"
# Marks a browser that signed in to an account before (api/sign_in_guard.py).
DEVICE_COOKIE = "sw_device"
DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 3600
CSRF_FIELD = "csrf_token"
FLASH_KINDS = frozenset({"success", "error", "warning", "info"})


@dataclass(frozen=True)
class Flash:
    """A message shown once on the next page."""

    kind: str
    message: str


def _cookie(response: Response, name: str, value: str, settings: Settings, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.app_env is not AppEnv.DEV,
        path="/",
    )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    _cookie(response, SESSION_COOKIE, token, settings, settings.session_ttl_s)
    response.delete_cookie(ANON_COOKIE, path="/")


def set_device_cookie(response: Response, mark: str, settings: Settings) -> None:
    _cookie(response, DEVICE_COOKIE, mark, settings, DEVICE_COOKIE_MAX_AGE_S)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_seed(request: Request) -> str:
    """The session token, else the anonymous cookie's value (empty when neither is set)."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(ANON_COOKIE) or ""


def set_anon_seed(response: Response, seed: str, settings: Settings) -> None:
    _cookie(response, ANON_COOKIE, seed, settings, settings.session_ttl_s)


def csrf_valid(request: Request, settings: Settings, candidate: str) -> bool:
    seed = csrf_seed(request)
    return bool(seed and candidate) and csrf_token_matches(seed, settings.secret_key, candidate)


def _sign(payload: str, settings: Settings) -> str:
    digest = hmac.new(settings.secret_key.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{digest[:32]}"


def add_flash(response: Response, settings: Settings, kind: str, message: str) -> None:
    """Queue a message for the next page the browser shows."""
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    _cookie(response, FLASH_COOKIE, _sign(payload, settings), settings, 300)


def read_flashes(request: Request, settings: Settings) -> list[Flash]:
    """The pending message, if its signature holds."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    payload = raw.rpartition(".")[0]
    if not digests_match(_sign(payload, settings), raw):
        return []
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return []
    return [Flash(kind, str(message))] if kind in FLASH_KINDS else []


def clear_flashes(request: Request, response: Response) -> None:
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
