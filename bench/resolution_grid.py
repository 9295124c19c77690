"""The resolution grid: how sharp the staged region ends up, over realistic photos and floors.

12 MP and 24 MP photos at 4:3, 3:2, 16:9 and portrait; floors covering 30 to 60 % of the frame,
either a band across the whole width (the camera faces a wall) or a trapezoid narrowing towards
the back wall (perspective). Production's `segment` turns the drawn labels (floor, wall above it)
into the staging mask (floor plus the wall band, dilated) and `plan_for` plans its crop; the
resolution is the last pass's pixels per photo pixel along the crop's worse side.
tests/unit/test_engine_crop.py holds every cell to SDXL_DETAIL_MIN_RESOLUTION; bench/flops.py
prints the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.settings import SdxlSettings
from worker.engine.crop import plan_for
from worker.engine.stages import segment
from worker.vision.ade20k import ADE20K_LABELS, PROTECTED_CLASSES, floor_classes
from worker.vision.mask import Segmenter

PHOTOS = {
    "12 MP": {"4:3": (4000, 3000), "3:2": (4248, 2832), "16:9": (4624, 2600),
              "portrait": (3000, 4000)},
    "24 MP": {"4:3": (5664, 4248), "3:2": (6000, 4000), "16:9": (6528, 3672),
              "portrait": (4248, 5664)},
}  # fmt: skip
FLOOR_FRACTIONS = (0.3, 0.4, 0.5, 0.6)
SHAPES = ("band", "perspective")
BACK_WALL = 0.5
"""Perspective: the floor's far edge spans this share of the width, centred."""


class DrawnRoom(Segmenter):
    """Labels of an empty room: floor of the given share and shape, wall everywhere else. It
    draws labels instead of calling Segmenter's constructor."""

    def __init__(self, fraction: float, shape: str) -> None:
        self.id2label = dict(enumerate(ADE20K_LABELS))
        self.ids = {name: index for index, name in self.id2label.items()}
        self.fraction, self.shape = fraction, shape

    def labels(self, image: Image.Image) -> np.ndarray:
        """Wall, with the floor drawn at the bottom."""
        width, height = image.size
        labels = np.full((height, width), self.ids["wall"])
        if self.shape == "band":
            labels[round((1 - self.fraction) * height) :] = self.ids["floor"]
            return labels
        # A trapezoid of area fraction * width * height: its depth is fraction / mean width.
        depth = self.fraction * height / ((1 + BACK_WALL) / 2)
        rows = np.arange(height)[:, None]
        cols = np.arange(width)[None, :]
        along = np.clip((rows - (height - depth)) / depth, 0, 1)  # 0 at the far edge, 1 near
        half = width / 2 * (BACK_WALL + (1 - BACK_WALL) * along)
        floor = (rows >= height - depth) & (np.abs(cols - width / 2) <= half)
        labels[floor] = self.ids["floor"]
        return labels


@dataclass(frozen=True)
class GridRow:
    """One photo and floor: the crop, its passes' sizes and the staged region's resolution."""

    megapixels: str
    aspect: str
    floor: float
    shape: str
    box: str
    first: str
    detail: str | None
    resolution: float


def _size(size: tuple[int, int] | None) -> str | None:
    return f"{size[0]}x{size[1]}" if size else None


def grid_rows(settings: SdxlSettings) -> list[GridRow]:
    """Every cell of the grid, planned with the settings."""
    rows = []
    for megapixels, photos in PHOTOS.items():
        for aspect, size in photos.items():
            photo = Image.new("L", size)  # only its size counts: the labels are drawn
            for shape in SHAPES:
                for fraction in FLOOR_FRACTIONS:
                    mask = segment(
                        photo,
                        DrawnRoom(fraction, shape),
                        settings,
                        floor=floor_classes("living_room"),
                        protected=PROTECTED_CLASSES,
                    )
                    plan = plan_for(mask, settings)
                    rows.append(GridRow(megapixels, aspect, fraction, shape,
                                        _size(plan.box_size) or "", _size(plan.size) or "",
                                        _size(plan.detail_size), plan.resolution))  # fmt: skip
    return rows


def grid_markdown(rows: list[GridRow]) -> str:
    """Per photo size and aspect: the worst cell's resolution and how many cells ran a detail
    pass; then the worst overall."""
    lines = ["| photo | aspect | worst resolution | its floor | its passes | detail passes |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    groups: dict[tuple[str, str], list[GridRow]] = {}
    for row in rows:
        groups.setdefault((row.megapixels, row.aspect), []).append(row)
    for (megapixels, aspect), group in groups.items():
        worst = min(group, key=lambda row: row.resolution)
        detailed = sum(row.detail is not None for row in group)
        passes = worst.first + (f" -> {worst.detail}" if worst.detail else "")
        lines.append(f"| {megapixels} | {aspect} | {worst.resolution:.3f} | "
                     f"{worst.floor:.0%} {worst.shape} | box {worst.box}: {passes} | "
                     f"{detailed}/{len(group)} |")  # fmt: skip
    worst = min(rows, key=lambda row: row.resolution)
    below = sum(row.resolution < 0.5 for row in rows)
    lines += ["", f"Worst of {len(rows)} cells: {worst.resolution:.3f} ({worst.megapixels} "
              f"{worst.aspect}, {worst.floor:.0%} {worst.shape}); {below} below 0.5."]  # fmt: skip
    return "\n".join(lines) + "\n"
