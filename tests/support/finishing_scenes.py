"""Synthetic photos with known defects for the finishing tests and benchmark: a room whose
verticals are known, a camera tilt applied to it, colour casts, under-exposure, an exterior
whose sky is known."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

SCENE_MARGIN = 1.6
"""The room is drawn this much larger than the photo, so a tilted camera still sees no edge."""


@dataclass(frozen=True)
class Room:
    """A frontal room (verticals vertical) and the x, top, bottom of its strong vertical edges."""

    rgb: np.ndarray
    verticals: list[tuple[float, float, float]]


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    c = rgb.astype(np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    c = np.clip(linear, 0.0, 1.0)
    encoded = np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)
    return np.clip(np.rint(encoded * 255.0), 0, 255).astype(np.uint8)


def _read_only(array: np.ndarray) -> np.ndarray:
    """Scenes are cached: nobody may change one in place."""
    array.setflags(write=False)
    return array


def _grain(rgb: np.ndarray, seed: int, amount: float = 3.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = rgb.astype(np.float32) + rng.normal(0.0, amount, rgb.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


@lru_cache(maxsize=8)
def room(width: int, height: int, *, seed: int = 0) -> Room:
    """An empty room seen straight on: walls, a door, two windows, a tall cabinet, a wood floor
    whose boards converge on the middle of the photo (near-vertical lines that are not verticals),
    and a grey card on the wall."""
    image = Image.new("RGB", (width, height), (226, 222, 214))
    draw = ImageDraw.Draw(image)
    w, h = width, height
    horizon = 0.62 * h
    draw.rectangle([0, 0, w, 0.08 * h], fill=(246, 245, 242))
    draw.rectangle([0.12 * w, 0.08 * h, 0.88 * w, horizon], fill=(232, 228, 220))
    verticals = [(0.12 * w, 0.08 * h, horizon), (0.88 * w, 0.08 * h, horizon)]
    floor = [(0, h), (w, h), (0.88 * w, horizon), (0.12 * w, horizon)]
    draw.polygon(floor, fill=(150, 110, 74))
    for i in range(1, 24):
        x_far = 0.12 * w + 0.76 * w * i / 24
        x_near = w * (i / 24 - 0.5) * 1.6 + w / 2
        draw.line([(x_far, horizon), (x_near, h)], fill=(122, 88, 58), width=3)
    door = (0.17 * w, 0.2 * h, 0.29 * w, horizon)
    draw.rectangle(door, fill=(90, 64, 44))
    draw.rectangle(
        (door[0] + 0.012 * w, door[1] + 0.012 * w, door[2] - 0.012 * w, door[3]),
        fill=(238, 234, 226),
    )
    verticals += [(door[0], door[1], door[3]), (door[2], door[1], door[3])]
    for left in (0.38, 0.58):
        window = (left * w, 0.18 * h, (left + 0.13) * w, 0.5 * h)
        draw.rectangle(window, fill=(70, 70, 74))
        pane = (
            window[0] + 0.01 * w,
            window[1] + 0.01 * w,
            window[2] - 0.01 * w,
            window[3] - 0.01 * w,
        )
        draw.rectangle(pane, fill=(176, 204, 228))
        draw.line(
            [((window[0] + window[2]) / 2, pane[1]), ((window[0] + window[2]) / 2, pane[3])],
            fill=(70, 70, 74),
            width=max(2, w // 200),
        )
        verticals += [(window[0], window[1], window[3]), (window[2], window[1], window[3])]
    cabinet = (0.76 * w, 0.14 * h, 0.85 * w, horizon)
    draw.rectangle(cabinet, fill=(60, 72, 88))
    verticals += [(cabinet[0], cabinet[1], cabinet[3]), (cabinet[2], cabinet[1], cabinet[3])]
    card = (0.48 * w, 0.52 * h, 0.55 * w, 0.6 * h)
    draw.rectangle(card, fill=(128, 128, 128))
    draw.rectangle((0.32 * w, 0.53 * h, 0.36 * w, 0.6 * h), fill=(150, 40, 40))
    draw.rectangle((0.66 * w, 0.52 * h, 0.72 * w, 0.6 * h), fill=(60, 120, 70))
    return Room(_read_only(_grain(np.asarray(image), seed)), verticals)


def grey_card_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The inner part of room()'s grey card (left, top, right, bottom), away from its edges."""
    return (round(0.49 * width), round(0.53 * height), round(0.54 * width), round(0.59 * height))


def camera_tilt(
    width: int, height: int, *, pitch_deg: float, roll_deg: float, focal_factor: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """The homography from a room drawn SCENE_MARGIN times larger to a photo of width x height
    taken with the camera pitched and rolled, and the room's size to draw."""
    scene = (round(width * SCENE_MARGIN), round(height * SCENE_MARGIN))
    focal = focal_factor * max(width, height)
    pitch, roll = np.radians(pitch_deg), np.radians(roll_deg)
    rx = np.array(
        [[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]]
    )
    rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    k_scene = np.array([[focal, 0, scene[0] / 2], [0, focal, scene[1] / 2], [0, 0, 1]])
    k_photo = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    homography = k_photo @ rz @ rx @ np.linalg.inv(k_scene)
    corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], float)
    back = (np.linalg.inv(homography) @ corners.T).T
    back = back[:, :2] / back[:, 2:]
    assert back.min() >= 0 and (back <= scene).all(), "the tilted camera sees past the room"
    return homography, scene


@lru_cache(maxsize=8)
def tilted_room(
    width: int, height: int, *, pitch_deg: float = 8.0, roll_deg: float = 3.0
) -> tuple[np.ndarray, np.ndarray, Room]:
    """A photo of room() with the camera tilted (converging verticals and a roll); returns the
    photo, the room-to-photo homography and the room."""
    homography, scene = camera_tilt(
        width, height, pitch_deg=pitch_deg, roll_deg=roll_deg, focal_factor=0.7
    )
    drawn = room(*scene)
    photo = cv2.warpPerspective(drawn.rgb, homography, (width, height), flags=cv2.INTER_AREA)
    return _read_only(_grain(photo, 1, 1.5)), _read_only(homography), drawn


def warm_cast(rgb: np.ndarray, gains: tuple[float, float, float] = (1.0, 0.8, 0.58)) -> np.ndarray:
    """The photo under warmer light: linear values multiplied per channel."""
    return linear_to_srgb(srgb_to_linear(rgb) * np.array(gains))


def underexposed(rgb: np.ndarray, factor: float = 0.3) -> np.ndarray:
    """The photo with its linear light scaled by factor (0.3 is about -1.7 EV)."""
    return linear_to_srgb(srgb_to_linear(rgb) * factor)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma, 0-1."""
    return (rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])) / 255.0


def exterior(width: int, height: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A house, trees and a lawn under a pale overcast sky, and the sky's true mask."""
    image = Image.new("RGB", (width, height), (0, 0, 0))
    mask_image = Image.new("L", (width, height), 0)
    draw, mask = ImageDraw.Draw(image), ImageDraw.Draw(mask_image)
    rows = np.linspace(0, 1, height)[:, None]
    sky = np.stack([200 + 25 * rows, 208 + 20 * rows, 220 + 10 * rows], -1) * np.ones((1, width, 1))
    image.paste(Image.fromarray(sky.astype(np.uint8), "RGB"))
    mask.rectangle([0, 0, width, height], fill=255)
    w, h = width, height
    shapes = [
        ("rect", (0, 0.72 * h, w, h), (88, 128, 62)),
        ("rect", (0.25 * w, 0.42 * h, 0.75 * w, 0.8 * h), (214, 200, 178)),
        ("poly", [(0.2 * w, 0.44 * h), (0.5 * w, 0.2 * h), (0.8 * w, 0.44 * h)], (98, 60, 50)),
        ("rect", (0.45 * w, 0.6 * h, 0.53 * w, 0.8 * h), (80, 52, 40)),
        ("rect", (0.3 * w, 0.5 * h, 0.4 * w, 0.62 * h), (60, 66, 78)),
        ("rect", (0.6 * w, 0.5 * h, 0.7 * w, 0.62 * h), (60, 66, 78)),
        ("ellipse", (0.0 * w, 0.3 * h, 0.2 * w, 0.78 * h), (48, 84, 44)),
        ("ellipse", (0.82 * w, 0.36 * h, 0.98 * w, 0.78 * h), (54, 90, 48)),
    ]
    for kind, where, colour in shapes:
        getattr(draw, {"rect": "rectangle", "poly": "polygon", "ellipse": "ellipse"}[kind])(
            where, fill=colour
        )
        getattr(mask, {"rect": "rectangle", "poly": "polygon", "ellipse": "ellipse"}[kind])(
            where, fill=0
        )
    return _grain(np.asarray(image), seed), np.asarray(mask_image) > 0


def window_boxes(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """The exterior()'s two windows (left, top, right, bottom)."""
    return [
        (round(0.3 * width), round(0.5 * height), round(0.4 * width), round(0.62 * height)),
        (round(0.6 * width), round(0.5 * height), round(0.7 * width), round(0.62 * height)),
    ]


def mapped_vertical_angles(
    homography: np.ndarray, verticals: list[tuple[float, float, float]], size: tuple[int, int]
) -> list[float]:
    """Degrees from vertical of each room vertical mapped into a photo of size (width, height)
    by the homography; lines that land outside the photo are left out."""
    angles = []
    for x, top, bottom in verticals:
        ends = homography @ np.array([[x, top, 1.0], [x, bottom, 1.0]]).T
        (x0, x1), (y0, y1) = ends[0] / ends[2], ends[1] / ends[2]
        if min(x0, x1) >= 0 and max(x0, x1) <= size[0]:
            angles.append(float(np.degrees(np.arctan2(x1 - x0, y1 - y0))))
    return angles


def measured_vertical_angles(
    rgb: np.ndarray, homography: np.ndarray, verticals: list[tuple[float, float, float]]
) -> list[float]:
    """Degrees from vertical of each room vertical as the pixels show it: the strongest
    horizontal step near where the homography puts the edge, found row by row and fitted
    with a line (independent of the detector auto-enhance uses)."""
    gray = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), (5, 5), 1)
    gradient = np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3))
    height, width = gray.shape
    angles = []
    for x, top, bottom in verticals:
        points = []
        for t in np.linspace(0.15, 0.85, 25):
            where = homography @ np.array([x, top + t * (bottom - top), 1.0])
            px, py = where[0] / where[2], round(where[1] / where[2])
            lo, hi = int(px) - 6, int(px) + 7
            if lo < 1 or hi >= width - 1 or not 0 <= py < height:
                continue
            row = gradient[py, lo:hi]
            i = int(np.argmax(row))
            if 0 < i < len(row) - 1:
                left, mid, right = row[i - 1], row[i], row[i + 1]
                curvature = left - 2 * mid + right
                offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
                points.append((lo + i + offset, py))
        if len(points) >= 10:
            xs, ys = np.array(points).T
            slope = np.polyfit(ys, xs, 1)[0]
            angles.append(float(np.degrees(np.arctan(slope))))
    return angles
