"""Web renditions: what pages show instead of the full-resolution photo (downloads keep that)."""

from __future__ import annotations

import io

from PIL import Image

WEB_LONG_EDGE_PX = 1600
WEB_QUALITY = 82


def web_rendition(image: Image.Image) -> bytes:
    """A progressive JPEG whose long edge is at most WEB_LONG_EDGE_PX."""
    copy = image.convert("RGB")
    copy.thumbnail((WEB_LONG_EDGE_PX, WEB_LONG_EDGE_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=WEB_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def web_rendition_of(data: bytes) -> bytes:
    """The rendition of a stored JPEG; libjpeg decodes it straight at a reduced scale."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (WEB_LONG_EDGE_PX, WEB_LONG_EDGE_PX))
        return web_rendition(image)
