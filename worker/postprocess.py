"""Finishing touches shared by every generator: labels, and encoding for storage."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

LABEL_TEXT_COLOUR = (255, 255, 255)
LABEL_BOX_COLOUR = (20, 20, 20)
MIN_FONT_PX = 8
DEFAULT_SCALE = 1 / 24
"""Text height as a fraction of the image height: readable, yet small on a 4K photo."""


def label_box(
    size: tuple[int, int], text: str, *, where: str = "bottom-right", scale: float = DEFAULT_SCALE
) -> tuple[int, int, int, int]:
    """Where draw_label puts its box: (left, top, right, bottom), inside the image."""
    width, height = size
    font = _font(height, scale)
    left, top, right, bottom = font.getbbox(text)
    pad = max(2, font.size // 4)
    box_w = min(width, right - left + 2 * pad)
    box_h = min(height, bottom - top + 2 * pad)
    margin = max(1, min(width, height) // 40)
    y = height - box_h - margin
    if where == "bottom-center":
        x = (width - box_w) // 2
    elif where == "bottom-left":
        x = margin
    else:
        x = width - box_w - margin
    return (max(0, x), max(0, y), max(0, x) + box_w, max(0, y) + box_h)


def draw_label(
    image: Image.Image, text: str, *, where: str = "bottom-right", scale: float = DEFAULT_SCALE
) -> Image.Image:
    """A copy of the image with `text` on a dark box near the bottom edge."""
    labelled = image.convert("RGB")
    box = label_box(labelled.size, text, where=where, scale=scale)
    font = _font(labelled.height, scale)
    draw = ImageDraw.Draw(labelled)
    draw.rectangle(box, fill=LABEL_BOX_COLOUR)
    left, top, _, _ = font.getbbox(text)
    pad = max(2, font.size // 4)
    draw.text((box[0] + pad - left, box[1] + pad - top), text, font=font, fill=LABEL_TEXT_COLOUR)
    return labelled


def _font(image_height: int, scale: float) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=max(MIN_FONT_PX, round(image_height * scale)))


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
