"""The server-rendered web UI: the sales floor and the admin console."""

from __future__ import annotations

from types import ModuleType

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages import (
    admin_brokerage,
    admin_items,
    admin_jobs,
    admin_sign_ins,
    admin_skies,
    admin_styles,
    admin_users,
    admin_webhooks,
    auth,
    edits,
    fleet,
    floor,
    job_images,
    mls,
    regenerate,
    share_public,
    shares,
    sso,
    stage_form,
    videos,
)
from api.pages.common import STATIC_DIR, SignInRequired, page_error_response, sign_in_redirect


def install(app: FastAPI) -> None:
    """Mount the pages and their static files; page routes' errors are answered as HTML."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    pages: tuple[ModuleType, ...] = (auth, sso, floor, job_images, stage_form, regenerate)
    pages += (edits, mls)
    pages += (shares, share_public, videos)
    # admin_sign_ins before admin_users: its paths sit under /admin/users.
    pages += (
        admin_styles,
        admin_skies,
        admin_items,
        admin_jobs,
        admin_sign_ins,
        admin_users,
        fleet,
        admin_brokerage,
        admin_webhooks,
    )
    for module in pages:
        app.include_router(module.router)
    app.state.error_page = page_error_response  # api/errors.py answers page routes' errors with it
    app.add_exception_handler(SignInRequired, sign_in_redirect)  # type: ignore[arg-type]  # Starlette types handlers for any Exception
