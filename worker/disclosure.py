"""The disclosure label ("Virtually staged") drawn on labelled copies of the results."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont


def draw_label(
    image: Image.Image, text: str, *, position: str, size_fraction: float
) -> Image.Image:
    """A copy of the image with text in a dark box in one corner (position like "bottom_right")."""
    labelled = image.convert("RGB")
    draw = ImageDraw.Draw(labelled)
    font = ImageFont.load_default(size=max(8, round(size_fraction * min(image.size))))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = max(2, (bottom - top) // 3)
    box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
    vertical, horizontal = position.split("_")
    x = pad if horizontal == "left" else image.width - box_w - pad
    y = pad if vertical == "top" else image.height - box_h - pad
    draw.rectangle([x, y, x + box_w, y + box_h], fill=(20, 20, 20))
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=(255, 255, 255))
    return labelled
