"""The FastAPI application factory (`uvicorn api.app:create_app --factory`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp

from api import pages
from api.body_gate import BodyGate
from api.client_address import ForwardedFor
from api.db_slots import DatabaseSlots, slots_for
from api.docs import OPENAPI_URL, docs_enabled, install_docs
from api.errors import install_error_handlers
from api.fair_share import FairShare
from api.openapi import for_generators
from api.routers import (
    auth,
    catalog,
    downloads,
    files,
    health,
    jobs,
    metrics,
    room_guesses,
    shares,
    videos,
    workers,
)
from api.security_headers import SecurityHeaders
from core.db import make_engine, make_sessionmaker
from core.settings import Settings, get_settings
from core.storage import make_storage
from webhooks.openapi import document_webhooks

API_PREFIX = "/api/v1"
# Room for the multipart envelope and the form fields around the photo.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024

DESCRIPTION = """\
Stagewright stages photos of empty rooms with AI furniture.

Sign in with `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.
Submit a photo with `POST /api/v1/jobs` and poll `GET /api/v1/jobs/{id}` until the state is
final, then download a result with `GET /api/v1/jobs/{id}/results/{variant}`. Every error has
the shape `{"error": {"code", "message", "field"}}`. Uploads and downloads are binary strings
(`format: binary`), so generated clients send and receive files.
"""


class Stagewright(FastAPI):
    """The app, with its security headers outside Starlette's error middleware, so that every
    answer has them: a 500 and the body gate's own refusals too; and its OpenAPI document as
    client generators read it (api/openapi.py)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), self.state.settings)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = for_generators(super().openapi())
        return self.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; engine, sessions and storage are made once and kept on app.state."""
    settings = settings or get_settings()
    engine = make_engine(
        settings.database_url,
        pooled=settings.database_pooled,
        timeouts=settings.database_timeouts,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = Stagewright(
        title="Stagewright API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if docs_enabled(settings) else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.db_slots = DatabaseSlots(slots_for(engine))
    app.state.storage = make_storage(settings)

    install_error_handlers(app)
    # Added innermost first: the client's address is known before its share, and a client waits
    # for its share before the gate checks its credentials and reads its body.
    app.add_middleware(
        BodyGate,
        max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
        sessions=app.state.sessionmaker,
        slots=app.state.db_slots,
    )
    app.add_middleware(FairShare)
    app.add_middleware(ForwardedFor, networks=settings.trusted_networks)

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, catalog, jobs, downloads, room_guesses, shares, videos, workers):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    app.include_router(files.router)
    app.include_router(metrics.router)
    pages.install(app)
    install_docs(app, settings)
    document_webhooks(app)
    return app
