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
    GpuInfo,
    ProgressCallback,
    StopCheck,
    StopRequested,
    variant_seeds,
)
from worker.generators.preview_guess import guess_from_colours
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
    """'#rrggbb' (the only form catalog validation accepts) as an RGB tuple."""
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _shade(colour: Rgb, factor: float) -> Rgb:
    return (
        int(min(255, colour[0] * factor)),
        int(min(255, colour[1] * factor)),
        int(min(255, colour[2] * factor)),
    )


def _box(draw: ImageDraw.ImageDraw, box: Box, colour: Rgb, depth: float) -> None:
    """A shaded block: a lighter top face above a darker front face, with rounded corners."""
    left, top, right, bottom = box
    lid = top + (bottom - top) * depth
    radius = max(1, int(min(right - left, bottom - top) * 0.12))
    draw.rounded_rectangle((left, top, right, bottom), radius, fill=_shade(colour, 0.8))
    draw.rounded_rectangle((left, top, right, lid), radius, fill=_shade(colour, 1.15))


def _legs(draw: ImageDraw.ImageDraw, box: Box, height: float, colour: Rgb) -> None:
    """Two short legs under the front corners of a piece."""
    left, _, right, bottom = box
    leg = max(1.0, (right - left) * 0.03)
    for x in (left + leg, right - 2 * leg):
        draw.rectangle((x, bottom, x + leg, bottom + height), fill=colour)


def _layers(
    room_type: str,
    size: tuple[int, int],
    palette: list[Rgb],
    rng: np.random.Generator,
    nudge: tuple[np.random.Generator, float] | None = None,
):
    """The drawing steps of one variant, placed with a little randomness on the floor.

    With `nudge` (a generator and a fraction), the layout is rng's, moved by that fraction of
    its spread: a small variation of the variant that rng drew.
    """
    width, height = size
    dark = (45, 40, 36)

    def jitter(value: float, spread: float) -> float:
        moved = value + float(rng.uniform(-spread, spread))
        if nudge is not None:
            moved += float(nudge[0].uniform(-spread, spread)) * nudge[1]
        return moved

    def colour(index: int) -> Rgb:
        return palette[(index + int(rng.integers(0, len(palette)))) % len(palette)]

    cx = jitter(0.5, 0.06) * width
    main, soft, wood, accent = colour(1), colour(2), colour(3), colour(0)
    rug_w = jitter(0.62, 0.05) * width
    rug = (cx - rug_w / 2, 0.80 * height, cx + rug_w / 2, 0.97 * height)

    def draw_rug(draw: ImageDraw.ImageDraw) -> None:
        draw.ellipse(rug, fill=_shade(accent, 1.15), outline=_shade(accent, 0.8), width=2)

    def sofa(draw: ImageDraw.ImageDraw) -> None:
        w, top = jitter(0.44, 0.04) * width, 0.63 * height
        left, right = cx - w / 2, cx + w / 2
        arm = w * 0.09
        _box(draw, (left + arm, top, right - arm, top + 0.09 * height), _shade(main, 0.9), 0.3)
        seat = (left + arm, top + 0.08 * height, right - arm, top + 0.15 * height)
        _box(draw, seat, main, 0.45)
        for x in (left, right - arm):
            _box(draw, (x, top + 0.04 * height, x + arm, top + 0.15 * height), main, 0.2)
        _legs(draw, (left, top, right, top + 0.15 * height), 0.015 * height, dark)
        for k in range(3):
            cw = (w - 2 * arm) / 3
            cushion = (left + arm + k * cw + cw * 0.1, top + 0.015 * height)
            draw.rounded_rectangle(
                (*cushion, cushion[0] + cw * 0.8, top + 0.075 * height),
                max(1, int(cw * 0.1)),
                fill=_shade(soft, 1.15) if k != 1 else _shade(accent, 1.0),
            )

    def bed(draw: ImageDraw.ImageDraw) -> None:
        w, top = jitter(0.40, 0.03) * width, 0.61 * height
        left, right = cx - w / 2, cx + w / 2
        _box(draw, (left, top, right, top + 0.12 * height), _shade(wood, 0.9), 0.15)
        mattress = (left - w * 0.04, top + 0.07 * height, right + w * 0.04, top + 0.26 * height)
        _box(draw, mattress, soft, 0.55)
        duvet = (mattress[0], top + 0.13 * height, mattress[2], mattress[3])
        _box(draw, duvet, main, 0.35)
        for x in (left + w * 0.06, cx + w * 0.04):
            draw.rounded_rectangle(
                (x, top + 0.085 * height, x + w * 0.4, top + 0.125 * height),
                max(1, int(w * 0.02)),
                fill=(245, 243, 238),
            )
        for x in (left - w * 0.26, right + w * 0.08):
            _box(draw, (x, top + 0.10 * height, x + w * 0.18, top + 0.18 * height), wood, 0.3)

    def dining(draw: ImageDraw.ImageDraw) -> None:
        w, top = jitter(0.42, 0.03) * width, 0.70 * height
        left, right = cx - w / 2, cx + w / 2
        for k in range(4):
            x = left + w * (0.06 + k * 0.24)
            _box(draw, (x, top - 0.06 * height, x + w * 0.16, top + 0.02 * height), soft, 0.25)
        table = (left, top, right, top + 0.035 * height)
        _box(draw, table, wood, 0.5)
        _legs(draw, table, 0.08 * height, _shade(wood, 0.55))

    def draw_main(draw: ImageDraw.ImageDraw) -> None:
        if room_type == "bedroom":
            bed(draw)
        elif room_type in {"dining_room", "kitchen"}:
            dining(draw)
        else:
            sofa(draw)

    def draw_side(draw: ImageDraw.ImageDraw) -> None:
        x = jitter(0.2, 0.02) * width
        pot = (x - 0.025 * width, 0.80 * height, x + 0.025 * width, 0.86 * height)
        for k in range(5):
            dx, dy = (k - 2) * 0.012 * width, -abs(k - 2) * 0.01 * height
            leaf = (x + dx - 0.02 * width, 0.70 * height + dy, x + dx + 0.02 * width)
            draw.ellipse(
                (*leaf, 0.80 * height + dy), fill=(74, 110, 70) if k % 2 else (92, 130, 84)
            )
        _box(draw, pot, wood, 0.3)

    def draw_accent(draw: ImageDraw.ImageDraw) -> None:
        if room_type in {"dining_room", "kitchen", "bedroom"}:
            return
        w, top = 0.18 * width, jitter(0.84, 0.01) * height
        table = (cx - w / 2, top, cx + w / 2, top + 0.03 * height)
        _box(draw, table, wood, 0.5)
        _legs(draw, table, 0.035 * height, _shade(wood, 0.55))

    return [draw_rug, draw_main, draw_side, draw_accent]


class PreviewGenerator:
    """Paints palette-coloured furniture blocks inside the floor mask; CPU only."""

    name = "preview"
    gpu: GpuInfo | None = None

    def __init__(self, step_delay_s: float = 0.05) -> None:
        self.step_delay_s = step_delay_s

    def guess_room_type(self, image: Image.Image) -> str | None:
        """A preview guess from colours alone (preview_guess): patio or nothing."""
        return guess_from_colours(image)

    def generate(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult:
        if request.mode.finishes:
            return _finished(request, on_progress, should_stop)
        source = request.image.convert("RGB")
        palette = [hex_to_rgb(c) for c in request.style.get("palette") or DEFAULT_PALETTE]
        seeds = variant_seeds(request.seed, request.variants)
        mask, base = staging_mask(source.size), source
        if request.mode.removes:
            # Imported here: preview_removal builds on this module's staging geometry.
            from worker.generators.preview_removal import erase, removal_mask

            mask = removal_mask(source.size)
            base = erase(source, mask)
        plans: list[tuple[Image.Image, list[Callable[[ImageDraw.ImageDraw], None]]]] = []
        variation = float(request.style.get("variation") or 0)
        for seed in seeds:
            if variation:  # every variant is the job seed's layout, nudged by its own seed
                rng = np.random.default_rng(request.seed)
                nudge = (np.random.default_rng(seed), variation)
            else:
                rng, nudge = np.random.default_rng(seed), None
            layers = _layers(request.room_type, source.size, palette, rng, nudge)
            plans.append((base.copy(), layers if request.mode.stages else []))
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


def _finished(
    request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
) -> GenerationResult:
    """A finishing pass (enhance, sky, twilight), with the sky guessed and PREVIEW on top."""
    # Imported here: finishing needs cv2, which the preview worker loads only for such jobs.
    from worker.finishing_job import finish, guessed_alphas
    from worker.vision.mask import mask_image

    done = finish(request, guessed_alphas, on_progress, should_stop)
    images = [
        draw_label(image, LABEL, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION)
        for image in done.images
    ]
    on_progress(1.0, "Labelling")
    mask = mask_image(done.mask) if done.mask is not None else None
    return GenerationResult(images=images, seeds=done.seeds, mask=mask)
