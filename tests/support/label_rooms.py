"""Labelled synthetic rooms: ADE20K label maps drawn from a few named boxes."""

from __future__ import annotations

import numpy as np

from worker.vision.ade20k import ADE20K_LABELS

ID2LABEL = dict(enumerate(ADE20K_LABELS))
ID = {name: index for index, name in ID2LABEL.items()}
Part = tuple[str, float, float, float, float]
"""A class name and its box (top, left, bottom, right) as shares of the height and width."""


def box(shape: tuple[int, int], part: Part) -> np.ndarray:
    """The part's box as a boolean mask."""
    height, width = shape
    _, top, left, bottom, right = part
    mask = np.zeros(shape, dtype=bool)
    mask[
        round(top * height) : round(bottom * height), round(left * width) : round(right * width)
    ] = 1
    return mask


def room(
    *parts: Part,
    shape: tuple[int, int] = (120, 160),
    ceiling: float = 0.12,
    floor_top: float = 0.6,
    floor: str = "floor",
) -> np.ndarray:
    """Ceiling above `ceiling` (0: none seen), wall, `floor` below floor_top, then the parts
    painted in order."""
    labels = np.full(shape, ID["wall"])
    labels[: round(ceiling * shape[0])] = ID["ceiling"]
    labels[round(floor_top * shape[0]) :] = ID[floor]
    for part in parts:
        labels[box(shape, part)] = ID[part[0]]
    return labels
