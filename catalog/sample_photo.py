"""A synthetic empty room, drawn on demand, for merchandisers' "try this style" runs."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

SAMPLE_SIZE = (768, 512)


@lru_cache(maxsize=1)
def sample_room_jpeg() -> bytes:
    """An empty room in perspective: floorboards, back wall with a window, a door, a ceiling."""
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
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()
