"""Finishing touches shared by every generator: the disclosure label, and encoding for storage."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from core.settings import SdxlSettings
from worker.generators.base import GenerationResult

LABEL_TEXT_COLOUR = (255, 255, 255)
LABEL_BOX_COLOUR = (20, 20, 20)
MIN_FONT_PX = 8
VERTICAL = ("top", "bottom")
HORIZONTAL = ("left", "center", "right")


def label_box(
    size: tuple[int, int], text: str, *, position: str, size_fraction: float
) -> tuple[int, int, int, int]:
    """Where draw_label puts its box: (left, top, right, bottom), inside the image.

    position is "<top|bottom>_<left|center|right>"; the text height is size_fraction of the
    image's short side.
    """
    vertical, _, horizontal = position.partition("_")
    if vertical not in VERTICAL or horizontal not in HORIZONTAL:
        raise ValueError(f"unknown label position {position!r}")
    width, height = size
    font = label_font(size, size_fraction)
    left, top, right, bottom = (int(edge) for edge in font.getbbox(text))
    pad = max(2, int(font.size) // 4)
    box_w = min(width, right - left + 2 * pad)
    box_h = min(height, bottom - top + 2 * pad)
    margin = max(1, min(size) // 40)
    x = {"left": margin, "center": (width - box_w) // 2, "right": width - box_w - margin}
    y = margin if vertical == "top" else height - box_h - margin
    x0, y0 = max(0, x[horizontal]), max(0, y)
    return (x0, y0, x0 + box_w, y0 + box_h)


def draw_label(
    image: Image.Image, text: str, *, position: str, size_fraction: float
) -> Image.Image:
    """A copy of the image with `text` in white on a dark box at `position`."""
    labelled = image.convert("RGB")
    box = label_box(labelled.size, text, position=position, size_fraction=size_fraction)
    font = label_font(labelled.size, size_fraction)
    draw = ImageDraw.Draw(labelled)
    draw.rectangle(box, fill=LABEL_BOX_COLOUR)
    left, top, _, _ = font.getbbox(text)
    pad = max(2, font.size // 4)
    draw.text((box[0] + pad - left, box[1] + pad - top), text, font=font, fill=LABEL_TEXT_COLOUR)
    return labelled


def label_results(result: GenerationResult, text: str, settings: SdxlSettings) -> None:
    """Draw the disclosure label on every image when the deployment labels, keeping clean copies."""
    if not settings.label_enabled:
        return
    result.clean_images = result.images
    result.images = [
        draw_label(
            image,
            text,
            position=settings.label_position,
            size_fraction=settings.label_size_fraction,
        )
        for image in result.images
    ]


def label_font(size: tuple[int, int], size_fraction: float) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=max(MIN_FONT_PX, round(min(size) * size_fraction)))
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow was built without FreeType: the label needs a scalable font")
    return font


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
