"""Synthetic rooms drawn on demand: an empty one for "try this style" runs, and the same room
furnished, whose furniture boxes are its labels (what a declutter must erase)."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

SAMPLE_SIZE = (768, 512)

Box = tuple[int, int, int, int]
FURNITURE: dict[str, tuple[float, float, float, float]] = {
    "rug": (0.30, 0.80, 0.84, 0.95),
    "sofa": (0.38, 0.54, 0.80, 0.78),
    "table": (0.48, 0.76, 0.66, 0.86),
    "box": (0.14, 0.82, 0.24, 0.93),
}
"""The furnished sample's pieces as (left, top, right, bottom) fractions, drawn in this order."""


def furniture_boxes() -> dict[str, Box]:
    """The furnished sample's labelled pieces in pixels."""
    width, height = SAMPLE_SIZE
    return {
        name: (round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height))
        for name, (x0, y0, x1, y1) in FURNITURE.items()
    }


@lru_cache(maxsize=1)
def sample_room_jpeg() -> bytes:
    """An empty room in perspective: floorboards, back wall with a window, a door, a ceiling."""
    return _jpeg(_empty_room())


@lru_cache(maxsize=1)
def furnished_room_jpeg() -> bytes:
    """The sample room with a rug, a sofa, a coffee table and a box at furniture_boxes()."""
    image = _empty_room()
    draw = ImageDraw.Draw(image)
    boxes = furniture_boxes()
    draw.ellipse(boxes["rug"], fill=(150, 60, 55))
    sofa = boxes["sofa"]
    draw.rounded_rectangle(sofa, 12, fill=(70, 90, 120))
    draw.rectangle((sofa[0] + 20, sofa[1] + 30, sofa[2] - 20, sofa[3] - 20), fill=(90, 112, 145))
    draw.rectangle(boxes["table"], fill=(60, 45, 35))
    draw.rectangle(boxes["box"], fill=(185, 150, 95), outline=(120, 95, 60), width=3)
    return _jpeg(image)


def _jpeg(image: Image.Image) -> bytes:
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _empty_room() -> Image.Image:
    width, height = SAMPLE_SIZE
    image = Image.new("RGB", SAMPLE_SIZE, (226, 222, 214))
    draw = ImageDraw.Draw(image)
    back = (int(width * 0.18), int(height * 0.12), int(width * 0.82), int(height * 0.64))
    draw.polygon([(0, 0), (width, 0), (back[2], back[1]), (back[0], back[1])], fill=(246, 245, 241))
    draw.polygon(
        [(0, 0), (back[0], back[1]), (back[0], back[3]), (0, height)], fill=(214, 209, 199)
    )
    draw.polygon(
        [(width, 0), (back[2], back[1]), (back[2], back[3]), (width, height)], fill=(206, 201, 191)
    )
    draw.rectangle(back, fill=(231, 227, 219))
    draw.polygon(
        [(back[0], back[3]), (back[2], back[3]), (width, height), (0, height)], fill=(160, 118, 78)
    )
    for i in range(1, 12):
        x_back = back[0] + (back[2] - back[0]) * i / 12
        draw.line([(x_back, back[3]), (width * i / 12, height)], fill=(138, 99, 63), width=2)
    draw.rectangle([back[0], back[3] - 8, back[2], back[3]], fill=(250, 250, 248))
    window = (int(width * 0.42), int(height * 0.2), int(width * 0.66), int(height * 0.5))
    draw.rectangle(window, fill=(250, 250, 250))
    draw.rectangle(
        (window[0] + 8, window[1] + 8, window[2] - 8, window[3] - 8), fill=(178, 208, 232)
    )
    mid = (window[0] + window[2]) // 2
    draw.line([(mid, window[1]), (mid, window[3])], fill=(250, 250, 250), width=6)
    door = (int(width * 0.22), int(height * 0.26), int(width * 0.32), back[3])
    draw.rectangle(door, fill=(242, 240, 236), outline=(190, 186, 178), width=3)
    draw.ellipse(
        (door[2] - 16, int(height * 0.46), door[2] - 8, int(height * 0.46) + 8),
        fill=(120, 120, 120),
    )
    return image
