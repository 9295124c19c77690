"""The CPU `preview` generator: flat furniture shapes on the floor, labelled PREVIEW.

It needs no weights and is deterministic for a seed. Its staging mask is a geometric guess,
not a segmentation: the bottom ~40% of the photo as a perspective trapezoid (the floor, with a
band of lower wall at the sides), which is right for the eye-level shots agents take. Only
pixels inside that mask change; the PREVIEW label is drawn inside it too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from worker.generators.base import (
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    StopCheck,
    StopRequested,
    variant_seeds,
)
from worker.postprocess import draw_label, label_box

LABEL = "PREVIEW"
LABEL_POSITION = "bottom_center"
LABEL_SIZE_FRACTION = 1 / 12
"""The PREVIEW label is large on purpose: nobody should mistake a preview for a staging."""
DEFAULT_PALETTE = ["#d9c7a7", "#6b5b4b", "#2f4f4f", "#b5838d"]
HORIZON = 0.60
"""Top of the floor trapezoid, as a fraction of the height (the floor is the bottom 40%)."""
SIDE_TOP = 0.72
"""Where the trapezoid's slanted sides meet the image edges."""
INSET = 0.12
"""How far in from each side the far edge of the floor starts."""

Rgb = tuple[int, int, int]
Box = tuple[float, float, float, float]


def staging_mask(size: tuple[int, int]) -> Image.Image:
    """White where the preview may paint: a perspective trapezoid over the bottom 40%."""
    width, height = size
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon(
        [
            (0, height),
            (0, SIDE_TOP * height),
            (INSET * width, HORIZON * height),
            ((1 - INSET) * width, HORIZON * height),
            (width, SIDE_TOP * height),
            (width, height),
        ],
        fill=255,
    )
    ImageDraw.Draw(mask).rectangle(
        label_box(size, LABEL, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION), fill=255
    )
    return mask


def hex_to_rgb(value: str) -> Rgb:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _shade(colour: Rgb, factor: float) -> Rgb:
    return (
        int(min(255, colour[0] * factor)),
        int(min(255, colour[1] * factor)),
        int(min(255, colour[2] * factor)),
    )


def _box(draw: ImageDraw.ImageDraw, box: Box, colour: Rgb, depth: float) -> None:
    """A shaded block: a lighter top face above a darker front face."""
    left, top, right, bottom = box
    lid = top + (bottom - top) * depth
    draw.rectangle((left, top, right, lid), fill=_shade(colour, 1.15))
    draw.rectangle((left, lid, right, bottom), fill=_shade(colour, 0.8))
    draw.line((left, lid, right, lid), fill=_shade(colour, 0.55))


def _layers(room_type: str, size: tuple[int, int], palette: list[Rgb], rng: np.random.Generator):
    """The drawing steps of one variant, placed at random on the floor."""
    width, height = size
    floor_top = HORIZON * height

    def jitter(value: float, spread: float) -> float:
        return value + float(rng.uniform(-spread, spread))

    def colour(index: int) -> Rgb:
        return palette[(index + int(rng.integers(0, len(palette)))) % len(palette)]

    cx = jitter(0.5, 0.08) * width
    rug_w = jitter(0.55, 0.05) * width
    rug = (cx - rug_w / 2, jitter(0.80, 0.03) * height, cx + rug_w / 2, 0.96 * height)

    def draw_rug(draw: ImageDraw.ImageDraw) -> None:
        draw.ellipse(rug, fill=colour(0), outline=_shade(colour(0), 0.7))

    def draw_main(draw: ImageDraw.ImageDraw) -> None:
        main_w = jitter(0.42, 0.05) * width
        top = floor_top + 0.02 * height
        tone = colour(1)
        if room_type == "bedroom":
            box = (cx - main_w / 2, top, cx + main_w / 2, top + 0.22 * height)
            _box(draw, box, tone, 0.55)
            draw.rectangle((box[0], box[1], box[2], box[1] + 0.04 * height), fill=colour(2))
        elif room_type in {"dining_room", "kitchen"}:
            box = (cx - main_w / 2, top + 0.08 * height, cx + main_w / 2, top + 0.2 * height)
            _box(draw, box, tone, 0.35)
        else:
            back = (cx - main_w / 2, top, cx + main_w / 2, top + 0.08 * height)
            seat = (cx - main_w / 2, top + 0.08 * height, cx + main_w / 2, top + 0.16 * height)
            _box(draw, back, _shade(tone, 0.9), 0.4)
            _box(draw, seat, tone, 0.5)

    def draw_side(draw: ImageDraw.ImageDraw) -> None:
        side_w = 0.12 * width
        for x in (jitter(0.2, 0.03) * width, jitter(0.8, 0.03) * width):
            top = jitter(0.74, 0.02) * height
            _box(draw, (x - side_w / 2, top, x + side_w / 2, top + 0.1 * height), colour(2), 0.4)

    def draw_accent(draw: ImageDraw.ImageDraw) -> None:
        w = 0.16 * width
        top = jitter(0.84, 0.02) * height
        _box(draw, (cx - w / 2, top, cx + w / 2, top + 0.06 * height), colour(3), 0.5)

    return [draw_rug, draw_main, draw_side, draw_accent]


class PreviewGenerator:
    """Paints palette-coloured furniture blocks inside the floor mask; CPU only."""

    name = "preview"

    def __init__(self, step_delay_s: float = 0.05) -> None:
        self.step_delay_s = step_delay_s

    def generate(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult:
        source = request.image.convert("RGB")
        palette = [hex_to_rgb(c) for c in request.style.get("palette") or DEFAULT_PALETTE]
        seeds = variant_seeds(request.seed, request.variants)
        mask = staging_mask(source.size)
        plans: list[tuple[Image.Image, list[Callable[[ImageDraw.ImageDraw], None]]]] = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            plans.append((source.copy(), _layers(request.room_type, source.size, palette, rng)))
        total = sum(len(layers) for _, layers in plans) + len(plans)
        done = 0

        def step(stage: str) -> None:
            nonlocal done
            if should_stop():
                raise StopRequested
            if self.step_delay_s:
                time.sleep(self.step_delay_s)
            done += 1
            on_progress(done / total, stage)

        images = []
        for number, (canvas, layers) in enumerate(plans, start=1):
            draw = ImageDraw.Draw(canvas)
            for layer in layers:
                layer(draw)
                step(f"Placing furniture (variant {number}/{len(plans)})")
            labelled = draw_label(
                canvas, LABEL, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION
            )
            images.append(Image.composite(labelled, source, mask))
            step(f"Labelling (variant {number}/{len(plans)})")
        return GenerationResult(images=images, seeds=seeds, mask=mask)
