"""Security headers on every response: CSP without inline script, no framing, no sniffing, HSTS in
production, and `Cache-Control: no-store` unless a response chose its own caching."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import AppEnv, Settings, StorageBackend

HSTS = "max-age=31536000; includeSubDomains"
# Static assets may be cached; they carry no user data.
CACHEABLE_PREFIXES = ("/static/", "/docs/assets/")


def content_security_policy(settings: Settings) -> str:
    """Scripts only from this site; images also from object storage's signed URLs."""
    images = ["'self'", "data:", "blob:"]
    if settings.storage_backend is StorageBackend.R2:
        endpoint = urlsplit(settings.r2_endpoint)
        images.append(f"{endpoint.scheme}://*.{endpoint.netloc}")
        images.append(f"{endpoint.scheme}://{endpoint.netloc}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            # Templates set style attributes (palette swatches); <style> elements stay refused.
            "style-src-attr 'unsafe-inline'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Adds the headers to every HTTP response the app sends."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(settings),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
        }
        if settings.app_env is not AppEnv.DEV:
            self.headers["Strict-Transport-Security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(CACHEABLE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
