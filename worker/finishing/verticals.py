"""Straight verticals: a virtual camera rotation that makes the photo's vertical lines vertical,
then the largest crop of the same shape that holds no empty corner."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import cv2
import numpy as np

from worker.finishing.lines import near_vertical_segments, vertical_vanishing_point


@dataclass(frozen=True)
class VerticalLimits:
    """How far vertical correction may warp a photo; beyond any limit it leaves the photo be."""

    max_roll_deg: float = 6.0
    """The largest tilt (rotation in the picture plane) corrected."""
    max_pitch_deg: float = 15.0
    """The largest up/down camera tilt corrected (converging verticals)."""
    min_keep: float = 0.7
    """The crop keeps at least this fraction of the photo's area."""
    min_correction_deg: float = 0.3
    """Smaller roll and pitch are left alone: invisible, and a second pass then does nothing."""
    focal_factor: float = 0.8
    """The assumed focal length over the long side (a phone's main camera, about 26 mm
    equivalent). It only sets how much a corrected photo is stretched vertically."""
    min_support: float = 0.6
    """The supporting segments must add up to this many image heights."""


@dataclass(frozen=True)
class VerticalCorrection:
    """What was measured and done; homography maps input pixels to output pixels."""

    applied: bool
    reason: str
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    keep: float = 1.0
    segments: int = 0
    homography: tuple[tuple[float, ...], ...] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def plan_verticals(rgb: np.ndarray, limits: VerticalLimits) -> VerticalCorrection:
    """Measure the verticals' vanishing point and plan the warp (applied=False says why not)."""
    height, width = rgb.shape[:2]
    focal = limits.focal_factor * max(width, height)
    tilt = limits.max_roll_deg + limits.max_pitch_deg * max(width, height) / (2 * focal)
    segments = near_vertical_segments(rgb, focal_px=focal, max_tilt_deg=tilt)
    found = vertical_vanishing_point(
        segments, min_distance=1.0 / np.tan(np.radians(limits.max_pitch_deg))
    )
    if found is None:
        return VerticalCorrection(False, "no vertical lines found", segments=len(segments))
    point, inliers = found
    support = segments.lengths[inliers].sum() * focal / height
    if support < limits.min_support:
        return VerticalCorrection(False, "too few vertical lines", segments=int(inliers.sum()))
    rotation, roll, pitch = _rotation_to_vertical(point)
    measured = VerticalCorrection(False, "", roll, pitch, segments=int(inliers.sum()))
    if abs(roll) > limits.max_roll_deg or abs(pitch) > limits.max_pitch_deg:
        return replace(measured, reason="tilt beyond the limits")
    if abs(roll) < limits.min_correction_deg and abs(pitch) < limits.min_correction_deg:
        return replace(measured, reason="already straight")
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    warp = camera @ rotation @ np.linalg.inv(camera)
    crop, keep = _crop_to_fill(warp, width, height)
    if keep < limits.min_keep:
        return replace(measured, reason="the crop would lose too much", keep=keep)
    homography = crop @ warp
    homography /= homography[2, 2]
    rows = tuple(tuple(float(v) for v in row) for row in homography)
    return replace(measured, applied=True, reason="straightened", keep=keep, homography=rows)


def apply_verticals(rgb: np.ndarray, correction: VerticalCorrection) -> np.ndarray:
    """The photo warped by the correction (itself when none was applied), same size."""
    if not correction.applied:
        return rgb
    height, width = rgb.shape[:2]
    return cv2.warpPerspective(
        rgb,
        np.array(correction.homography),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _rotation_to_vertical(point: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The smallest roll-then-pitch rotation taking the direction `point` to straight down,
    with its roll and pitch in degrees."""
    x, y, w = point if point[1] >= 0 else -point
    roll = np.arctan2(x, y)
    along = np.hypot(x, y)
    pitch = np.arctan2(-w, along)
    cos_r, sin_r, cos_p, sin_p = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch)
    roll_matrix = np.array([[cos_r, -sin_r, 0], [sin_r, cos_r, 0], [0, 0, 1]])
    pitch_matrix = np.array([[1, 0, 0], [0, cos_p, -sin_p], [0, sin_p, cos_p]])
    return pitch_matrix @ roll_matrix, float(np.degrees(roll)), float(np.degrees(pitch))


def _crop_to_fill(warp: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float]:
    """The scale-and-shift taking the largest width:height rectangle inside the warped photo
    to the full frame, and the fraction of the photo's area that rectangle shows."""
    corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], float)
    quad = (warp @ corners.T).T
    quad = quad[:, :2] / quad[:, 2:]
    (centre_x, centre_y, half_w), half_h = _largest_rectangle(quad, height / width)
    scale = width / (2 * half_w)
    crop = np.array(
        [
            [scale, 0, -(centre_x - half_w) * scale],
            [0, scale, -(centre_y - half_h) * scale],
            [0, 0, 1],
        ]
    )
    box = np.array(
        [
            [centre_x - half_w, centre_y - half_h, 1],
            [centre_x + half_w, centre_y - half_h, 1],
            [centre_x + half_w, centre_y + half_h, 1],
            [centre_x - half_w, centre_y + half_h, 1],
        ]
    )
    back = (np.linalg.inv(warp) @ box.T).T
    back = back[:, :2] / back[:, 2:]
    x, y = back[:, 0], back[:, 1]
    area = 0.5 * abs(float(x @ np.roll(y, -1) - y @ np.roll(x, -1)))
    return crop, area / (width * height)


def _largest_rectangle(quad: np.ndarray, aspect: float) -> tuple[np.ndarray, float]:
    """(centre x, centre y, half width) and half height of the largest rectangle of
    height/width `aspect` inside a convex quadrilateral: a 3-variable linear programme, solved
    at the vertices of its four constraints."""
    sign = np.sign(_signed_area(quad))
    rows, bounds = [], []
    for start, end in itertools.pairwise([*quad, quad[0]]):
        # The outward normal of the edge, whichever way round the quad runs.
        normal = sign * np.array([end[1] - start[1], start[0] - end[0]])
        rows.append([normal[0], normal[1], abs(normal[0]) + abs(normal[1]) * aspect])
        bounds.append(normal @ start)
    a, b = np.array(rows), np.array(bounds)
    best = np.array([quad[:, 0].mean(), quad[:, 1].mean(), 0.0])
    for chosen in itertools.combinations(range(4), 3):
        try:
            vertex = np.linalg.solve(a[list(chosen)], b[list(chosen)])
        except np.linalg.LinAlgError:
            continue
        feasible = np.all(a @ vertex <= b + 1e-6 * np.abs(b).max())
        if feasible and vertex[2] > best[2]:
            best = vertex
    return best, best[2] * aspect


def _signed_area(quad: np.ndarray) -> float:
    x, y = quad[:, 0], quad[:, 1]
    return 0.5 * float(x @ np.roll(y, -1) - y @ np.roll(x, -1))
