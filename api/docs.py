"""/docs: Swagger UI from the pinned fastapi-swagger package, never a CDN; off in production."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.inputs import CheckedRoute
from core.settings import AppEnv, Settings

OPENAPI_URL = "/openapi.json"
# Only the package's static files are used (swagger-ui-bundle.js, swagger-ui.css), not its code.
SWAGGER_UI_DIR = resources.files("fastapi_swagger") / "resources"
# No inline script, so the page works under the Content-Security-Policy: api-docs.js starts it.
DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Stagewright API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""

router = APIRouter(route_class=CheckedRoute, include_in_schema=False)


@router.get("/docs")
def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


def docs_enabled(settings: Settings) -> bool:
    """The OpenAPI document and /docs are served in dev mode only."""
    return settings.app_env is AppEnv.DEV


def install_docs(app: FastAPI, settings: Settings) -> None:
    if docs_enabled(settings):
        app.mount("/docs/assets", StaticFiles(directory=str(SWAGGER_UI_DIR)), name="docs-assets")
        app.include_router(router)
