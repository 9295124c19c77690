"""Near-vertical line segments of a photo and the vanishing point they share."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DETECT_LONG_SIDE = 1200
"""Segments are found on a copy this size: long enough lines, a fraction of the full cost."""
MIN_LENGTH_FRACTION = 0.04
"""Segments shorter than this fraction of the image height are ignored (texture, noise)."""
INLIER_DEG = 0.75
"""A segment within this angle of the line to the vanishing point supports it."""
RANSAC_PAIRS = 400
RANSAC_SEED = 20_240_611
"""A fixed seed: the same photo always gets the same correction."""


@dataclass(frozen=True)
class Segments:
    """Segments in normalised coordinates: pixels minus the image centre, over the focal length."""

    starts: np.ndarray
    ends: np.ndarray
    lengths: np.ndarray
    """In the same unit as the coordinates."""

    def __len__(self) -> int:
        return len(self.lengths)

    def subset(self, keep: np.ndarray) -> Segments:
        return Segments(self.starts[keep], self.ends[keep], self.lengths[keep])


def near_vertical_segments(rgb: np.ndarray, *, focal_px: float, max_tilt_deg: float) -> Segments:
    """The photo's line segments within max_tilt_deg of vertical, in normalised coordinates."""
    height, width = rgb.shape[:2]
    scale = min(1.0, DETECT_LONG_SIDE / max(height, width))
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        size = (round(width * scale), round(height * scale))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    found = cv2.createLineSegmentDetector().detect(gray)[0]
    if found is None:
        return Segments(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0))
    ends = found.reshape(-1, 4).astype(np.float64) / scale
    centre = np.array([width / 2, height / 2])
    starts, stops = (ends[:, :2] - centre) / focal_px, (ends[:, 2:] - centre) / focal_px
    delta = stops - starts
    lengths = np.hypot(delta[:, 0], delta[:, 1])
    tilt = np.degrees(np.arctan2(np.abs(delta[:, 0]), np.abs(delta[:, 1])))
    keep = (tilt <= max_tilt_deg) & (lengths >= MIN_LENGTH_FRACTION * height / focal_px)
    return Segments(starts[keep], stops[keep], lengths[keep])


def _lines(segments: Segments) -> np.ndarray:
    """Homogeneous lines through each segment, scaled so that (a, b) is a unit normal."""
    ones = np.ones((len(segments), 1))
    lines = np.cross(np.hstack([segments.starts, ones]), np.hstack([segments.ends, ones]))
    return lines / np.hypot(lines[:, 0], lines[:, 1])[:, None]


def angular_residuals(segments: Segments, points: np.ndarray) -> np.ndarray:
    """Degrees between each segment and the line from its midpoint to each homogeneous point
    (points: (3,) or (n, 3); the result has a row per point)."""
    single = np.ndim(points) == 1
    points = np.atleast_2d(points)
    mid = (segments.starts + segments.ends) / 2
    towards = points[:, None, :2] - mid[None, :, :] * points[:, None, 2:3]
    direction = (segments.ends - segments.starts)[None, :, :]
    cross = direction[..., 0] * towards[..., 1] - direction[..., 1] * towards[..., 0]
    dot = (direction * towards).sum(axis=-1)
    residuals = np.degrees(np.arctan(np.abs(cross) / np.maximum(np.abs(dot), 1e-12)))
    return residuals[0] if single else residuals


def _least_squares_point(lines: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The unit homogeneous point closest to every line (weighted algebraic distance)."""
    moment = (lines * weights[:, None]).T @ lines
    _, vectors = np.linalg.eigh(moment)
    point = vectors[:, 0]
    return point if point[1] >= 0 else -point


def vertical_vanishing_point(
    segments: Segments, *, min_distance: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The homogeneous point (unit vector) most segments point at, and which segments do.

    Only points at least min_distance (normalised units) from the centre are candidates, so
    that converging floorboards, whose vanishing point is inside the photo, cannot win.
    """
    if len(segments) < 2:
        return None
    lines = _lines(segments)
    rng = np.random.default_rng(RANSAC_SEED)
    chance = segments.lengths / segments.lengths.sum()
    pairs = rng.choice(len(segments), size=(RANSAC_PAIRS, 2), p=chance)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    candidates = np.cross(lines[pairs[:, 0]], lines[pairs[:, 1]])
    candidates /= np.linalg.norm(candidates, axis=1, keepdims=True) + 1e-300
    admissible = np.hypot(candidates[:, 0], candidates[:, 1]) >= min_distance * np.abs(
        candidates[:, 2]
    )
    candidates = candidates[admissible]
    if not len(candidates):
        return None
    support = (angular_residuals(segments, candidates) < INLIER_DEG) @ segments.lengths
    best = candidates[int(np.argmax(support))]
    inliers = angular_residuals(segments, best) < INLIER_DEG
    for _ in range(3):
        point = _least_squares_point(lines[inliers], segments.lengths[inliers])
        inliers = angular_residuals(segments, point) < INLIER_DEG
        if inliers.sum() < 2:
            return None
    if np.hypot(point[0], point[1]) < min_distance * abs(point[2]):
        return None
    return point, inliers
