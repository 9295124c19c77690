"""The CPU `preview` generator: flat furniture shapes on the floor, labelled PREVIEW.

It needs no weights and is deterministic for a seed. Its staging mask is a geometric guess,
not a segmentation: the bottom ~40% of the photo as a perspective trapezoid (the floor, with a
band of lower wall at the sides), which is right for the eye-level shots agents take. Only
pixels inside that mask change; the PREVIEW label is drawn inside it too.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from jobs.edits import EditAction
from jobs.models import JobMode
from worker.generators.base import (
    EditRequest,
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


def _palette(request: GenerationRequest) -> list[Rgb]:
    return [hex_to_rgb(c) for c in request.style.get("palette") or DEFAULT_PALETTE]


def _shade(colour: Rgb, factor: float) -> Rgb:
    return (
        int(min(255, colour[0] * factor)),
        int(min(255, colour[1] * factor)),
        int(min(255, colour[2] * factor)),
    )


def shaded_box(draw: ImageDraw.ImageDraw, box: Box, colour: Rgb, depth: float) -> None:
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


class _Layout:
    """One variant's furniture, placed with a little randomness on the floor.

    With `nudge` (a generator and a fraction), the layout is rng's, moved by that fraction of
    its spread: a small variation of the variant that rng drew.
    """

    dark = (45, 40, 36)

    def __init__(
        self,
        room_type: str,
        size: tuple[int, int],
        palette: list[Rgb],
        rng: np.random.Generator,
        nudge: tuple[np.random.Generator, float] | None,
    ) -> None:
        self.room_type = room_type
        self.width, self.height = size
        self.palette, self.rng, self.nudge = palette, rng, nudge
        # The draws' order is the layout: every seed's picture depends on it.
        self.cx = self.jitter(0.5, 0.06) * self.width
        self.main, self.soft = self.colour(1), self.colour(2)
        self.wood, self.accent = self.colour(3), self.colour(0)
        self.rug_w = self.jitter(0.62, 0.05) * self.width

    def jitter(self, value: float, spread: float) -> float:
        moved = value + float(self.rng.uniform(-spread, spread))
        if self.nudge is not None:
            moved += float(self.nudge[0].uniform(-spread, spread)) * self.nudge[1]
        return moved

    def colour(self, index: int) -> Rgb:
        palette = self.palette
        return palette[(index + int(self.rng.integers(0, len(palette)))) % len(palette)]

    def rug(self, draw: ImageDraw.ImageDraw) -> None:
        cx, half, height = self.cx, self.rug_w / 2, self.height
        rug = (cx - half, 0.80 * height, cx + half, 0.97 * height)
        draw.ellipse(rug, fill=_shade(self.accent, 1.15), outline=_shade(self.accent, 0.8), width=2)

    def sofa(self, draw: ImageDraw.ImageDraw) -> None:
        height, main = self.height, self.main
        w, top = self.jitter(0.44, 0.04) * self.width, 0.63 * height
        left, right = self.cx - w / 2, self.cx + w / 2
        arm = w * 0.09
        shaded_box(
            draw, (left + arm, top, right - arm, top + 0.09 * height), _shade(main, 0.9), 0.3
        )
        seat = (left + arm, top + 0.08 * height, right - arm, top + 0.15 * height)
        shaded_box(draw, seat, main, 0.45)
        for x in (left, right - arm):
            shaded_box(draw, (x, top + 0.04 * height, x + arm, top + 0.15 * height), main, 0.2)
        _legs(draw, (left, top, right, top + 0.15 * height), 0.015 * height, self.dark)
        for k in range(3):
            cw = (w - 2 * arm) / 3
            cushion = (left + arm + k * cw + cw * 0.1, top + 0.015 * height)
            draw.rounded_rectangle(
                (*cushion, cushion[0] + cw * 0.8, top + 0.075 * height),
                max(1, int(cw * 0.1)),
                fill=_shade(self.soft, 1.15) if k != 1 else _shade(self.accent, 1.0),
            )

    def bed(self, draw: ImageDraw.ImageDraw) -> None:
        height, wood, cx = self.height, self.wood, self.cx
        w, top = self.jitter(0.40, 0.03) * self.width, 0.61 * height
        left, right = cx - w / 2, cx + w / 2
        shaded_box(draw, (left, top, right, top + 0.12 * height), _shade(wood, 0.9), 0.15)
        mattress = (left - w * 0.04, top + 0.07 * height, right + w * 0.04, top + 0.26 * height)
        shaded_box(draw, mattress, self.soft, 0.55)
        duvet = (mattress[0], top + 0.13 * height, mattress[2], mattress[3])
        shaded_box(draw, duvet, self.main, 0.35)
        for x in (left + w * 0.06, cx + w * 0.04):
            draw.rounded_rectangle(
                (x, top + 0.085 * height, x + w * 0.4, top + 0.125 * height),
                max(1, int(w * 0.02)),
                fill=(245, 243, 238),
            )
        for x in (left - w * 0.26, right + w * 0.08):
            shaded_box(draw, (x, top + 0.10 * height, x + w * 0.18, top + 0.18 * height), wood, 0.3)

    def dining(self, draw: ImageDraw.ImageDraw) -> None:
        height, wood = self.height, self.wood
        w, top = self.jitter(0.42, 0.03) * self.width, 0.70 * height
        left, right = self.cx - w / 2, self.cx + w / 2
        for k in range(4):
            x = left + w * (0.06 + k * 0.24)
            shaded_box(
                draw, (x, top - 0.06 * height, x + w * 0.16, top + 0.02 * height), self.soft, 0.25
            )
        table = (left, top, right, top + 0.035 * height)
        shaded_box(draw, table, wood, 0.5)
        _legs(draw, table, 0.08 * height, _shade(wood, 0.55))

    def centre_piece(self, draw: ImageDraw.ImageDraw) -> None:
        if self.room_type == "bedroom":
            self.bed(draw)
        elif self.room_type in {"dining_room", "kitchen"}:
            self.dining(draw)
        else:
            self.sofa(draw)

    def plant(self, draw: ImageDraw.ImageDraw) -> None:
        width, height = self.width, self.height
        x = self.jitter(0.2, 0.02) * width
        pot = (x - 0.025 * width, 0.80 * height, x + 0.025 * width, 0.86 * height)
        for k in range(5):
            dx, dy = (k - 2) * 0.012 * width, -abs(k - 2) * 0.01 * height
            leaf = (x + dx - 0.02 * width, 0.70 * height + dy, x + dx + 0.02 * width)
            draw.ellipse(
                (*leaf, 0.80 * height + dy), fill=(74, 110, 70) if k % 2 else (92, 130, 84)
            )
        shaded_box(draw, pot, self.wood, 0.3)

    def side_table(self, draw: ImageDraw.ImageDraw) -> None:
        if self.room_type in {"dining_room", "kitchen", "bedroom"}:
            return
        w, top = 0.18 * self.width, self.jitter(0.84, 0.01) * self.height
        table = (self.cx - w / 2, top, self.cx + w / 2, top + 0.03 * self.height)
        shaded_box(draw, table, self.wood, 0.5)
        _legs(draw, table, 0.035 * self.height, _shade(self.wood, 0.55))


def _layers(
    room_type: str,
    size: tuple[int, int],
    palette: list[Rgb],
    rng: np.random.Generator,
    nudge: tuple[np.random.Generator, float] | None = None,
) -> list[Callable[[ImageDraw.ImageDraw], None]]:
    """The drawing steps of one variant (see _Layout)."""
    layout = _Layout(room_type, size, palette, rng, nudge)
    return [layout.rug, layout.centre_piece, layout.plant, layout.side_table]


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
        if request.edit is not None:
            return self._edit(request, request.edit, on_progress, should_stop)
        if request.mode.finishes:
            return _finished(request, on_progress, should_stop)
        return self._furnish(request, on_progress, should_stop)

    def _furnish(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult:
        """Stage, declutter or restage: furniture blocks drawn (or erased) on the floor."""
        source = request.image.convert("RGB")
        palette = _palette(request)
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

    def _edit(
        self,
        request: GenerationRequest,
        edit: EditRequest,
        on_progress: ProgressCallback,
        should_stop: StopCheck,
    ) -> GenerationResult:
        """Remove (flat floor and wall colours), redo (new furniture blocks) or add (one block,
        preview_add) inside the painted region only; a removal job's redo removes again."""
        # Imported here: OpenCV (worker/edits.py) and preview_removal stay out of module import.
        from worker.edits import edit_region, paste_edit
        from worker.generators.preview_removal import erase

        source = request.image.convert("RGB")
        region = edit_region(edit.mask, source.size)
        on_progress(0.1, "Finding the painted part")
        if edit.action is EditAction.ADD:
            from worker.generators.preview_add import placed_piece

            if should_stop():
                raise StopRequested
            generated = placed_piece(
                source, region, _palette(request), np.random.default_rng(request.seed)
            )
        elif edit.action is EditAction.REDO and request.mode.stages:
            staged = dataclasses.replace(request, edit=None, mode=JobMode.STAGE, variants=1)
            generated = self.generate(staged, on_progress, should_stop).images[0]
        else:
            if should_stop():
                raise StopRequested
            generated = erase(source, Image.fromarray(region.astype(np.uint8) * 255, "L"))
        on_progress(0.95, "Compositing")
        image = paste_edit(source, generated, region)
        return GenerationResult(
            images=[image],
            seeds=variant_seeds(request.seed, 1),
            mask=Image.fromarray(region.astype(np.uint8) * 255, "L"),
        )


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
