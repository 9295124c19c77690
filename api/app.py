"""The FastAPI application factory (`uvicorn api.app:create_app --factory`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api import pages
from api.errors import error_response, install_error_handlers
from api.routers import auth, catalog, files, health, jobs, metrics, workers
from core.db import make_engine, make_sessionmaker
from core.settings import Settings, get_settings
from core.storage import make_storage

API_PREFIX = "/api/v1"
# Room for the multipart envelope and the form fields around the photo.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024

DESCRIPTION = """\
Stagewright stages photos of empty rooms with AI furniture.

Sign in with `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.
Submit a photo with `POST /api/v1/jobs` and poll `GET /api/v1/jobs/{id}` until the state is
final. Every error has the shape `{"error": {"code", "message", "field"}}`.
"""


class BodySizeLimit:
    """Refuse a request whose declared body is over the limit before it is read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > self.max_bytes:
                message = (
                    f"the request body is larger than {self.max_bytes // (1024 * 1024)} MB"
                    if length.isdigit()
                    else "invalid Content-Length header"
                )
                status, code = (413, "too_large") if length.isdigit() else (400, "bad_request")
                await error_response(status, code, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; engine, sessions and storage are made once and kept on app.state."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, pooled=settings.database_pooled)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Stagewright API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.storage = make_storage(settings)

    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES
    )

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, catalog, jobs, workers):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    app.include_router(files.router)
    app.include_router(metrics.router)
    pages.install(app)
    return app
