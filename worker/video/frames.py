"""The pictures a reveal video is made of: each photo fitted into the frame over a blurred
fill of itself, the disclosure label and the brokerage's badge drawn on, and the wipe between
the original and the staged photo."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from worker.postprocess import draw_label, label_font

LABEL_POSITION = "bottom_right"
LABEL_SIZE_FRACTION = 0.035
BADGE_HEIGHT_FRACTION = 0.07
"""The brokerage badge's height as a fraction of the frame's short side."""
BACKDROP_DARKEN = 0.55
BACKDROP_BLUR_PX = 24
DIVIDER_PX = 4


@dataclass(frozen=True)
class Branding:
    """The brokerage shown in a corner of every frame: its name, and its logo if it has one."""

    name: str
    logo: Image.Image | None = None


def content_box(
    photo_size: tuple[int, int], frame_size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Where the whole photo sits in the frame (left, top, right, bottom): as large as fits."""
    (pw, ph), (fw, fh) = photo_size, frame_size
    scale = min(fw / pw, fh / ph)
    width, height = min(fw, round(pw * scale)), min(fh, round(ph * scale))
    left, top = (fw - width) // 2, (fh - height) // 2
    return (left, top, left + width, top + height)


def _backdrop(photo: Image.Image, frame_size: tuple[int, int]) -> Image.Image:
    """The photo covering the frame, blurred and darkened: what the margins show."""
    fw, fh = frame_size
    small = (max(1, fw // 8), max(1, fh // 8))
    scale = max(small[0] / photo.width, small[1] / photo.height)
    cover = photo.resize(
        (max(small[0], round(photo.width * scale)), max(small[1], round(photo.height * scale))),
        Image.Resampling.BILINEAR,
    )
    left, top = (cover.width - small[0]) // 2, (cover.height - small[1]) // 2
    cover = cover.crop((left, top, left + small[0], top + small[1]))
    blurred = cover.filter(ImageFilter.GaussianBlur(BACKDROP_BLUR_PX / 8))
    darker = Image.eval(blurred, lambda value: int(value * BACKDROP_DARKEN))
    return darker.resize(frame_size, Image.Resampling.BILINEAR)


def fit(photo: Image.Image, frame_size: tuple[int, int]) -> Image.Image:
    """The photo whole in the frame, over its own blurred fill."""
    photo = photo.convert("RGB")
    box = content_box(photo.size, frame_size)
    frame = _backdrop(photo, frame_size)
    size = (box[2] - box[0], box[3] - box[1])
    frame.paste(photo.resize(size, Image.Resampling.LANCZOS), (box[0], box[1]))
    return frame


def _draw_badge(frame: Image.Image, branding: Branding) -> None:
    """The logo and the name on a dark box in the top left corner."""
    short = min(frame.size)
    height = max(16, round(short * BADGE_HEIGHT_FRACTION))
    margin, pad = short // 40, height // 8
    font = label_font(frame.size, BADGE_HEIGHT_FRACTION / 2.4)
    x = margin + pad
    logo = None
    if branding.logo is not None:
        logo = branding.logo.convert("RGBA")
        logo.thumbnail((height * 4, height - 2 * pad), Image.Resampling.LANCZOS)
    name_w = int(font.getlength(branding.name)) if branding.name else 0
    width = pad + (logo.width + pad if logo else 0) + (name_w + pad if name_w else 0)
    draw = ImageDraw.Draw(frame, "RGBA")
    draw.rounded_rectangle(
        (margin, margin, margin + width, margin + height), radius=pad, fill=(20, 20, 20, 190)
    )
    if logo is not None:
        frame.paste(logo, (x, margin + (height - logo.height) // 2), logo)
        x += logo.width + pad
    if name_w:
        draw.text((x, margin + height // 2), branding.name, font=font, fill="white", anchor="lm")


def still(
    photo: Image.Image,
    frame_size: tuple[int, int],
    *,
    label: str | None,
    branding: Branding | None,
) -> np.ndarray:
    """One photo's full frame with its overlays, as an RGB array (height, width, 3)."""
    frame = fit(photo, frame_size)
    if branding is not None and (branding.name or branding.logo is not None):
        _draw_badge(frame, branding)
    if label:
        frame = draw_label(frame, label, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION)
    return np.asarray(frame, dtype=np.uint8)


def wipe(before: np.ndarray, after: np.ndarray, position: float, out: np.ndarray) -> np.ndarray:
    """`out` filled with the original left of `position` (a fraction of the width), the staged
    photo right of it, and the slider's white divider between them."""
    width = before.shape[1]
    split = round(position * width)
    out[:, :split] = before[:, :split]
    out[:, split:] = after[:, split:]
    if 0 < split < width:
        left = max(0, split - DIVIDER_PX // 2)
        out[:, left : left + DIVIDER_PX] = 255
    return out
