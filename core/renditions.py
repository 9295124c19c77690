"""Web renditions: what pages show instead of the full-resolution photo (downloads keep that)."""

from __future__ import annotations

import io

from PIL import Image

WEB_LONG_EDGE_PX = 1600
PHONE_LONG_EDGE_PX = 960
"""Share pages offer this size too: a phone's screen needs no more, at a quarter of the bytes."""
WEB_QUALITY = 82


def web_rendition(image: Image.Image, long_edge: int = WEB_LONG_EDGE_PX) -> bytes:
    """A progressive JPEG whose long edge is at most `long_edge`."""
    copy = image.convert("RGB")
    copy.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=WEB_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def web_rendition_of(data: bytes, long_edge: int = WEB_LONG_EDGE_PX) -> bytes:
    """The rendition of a stored JPEG; libjpeg decodes it straight at a reduced scale."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (long_edge, long_edge))
        return web_rendition(image, long_edge)


def phone_rendition_of(data: bytes) -> bytes:
    return web_rendition_of(data, PHONE_LONG_EDGE_PX)
