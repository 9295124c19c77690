"""Counted FLOPs per image of production's path, per stage, on the CPU; and the resolution grid.

Usage: python bench/flops.py [--json PATH] [--markdown PATH]

How it counts. `SdxlGenerator.generate`, with production's default settings (30 steps, the
~1 MP first pass, the detail pass, the depth ControlNet, fused QKV and so on), runs each case on
tiny random-weight models whose shapes are SDXL's (bench/flop_models.py: the VAE and the
ControlNet's conditioning downsample by 8, the inputs have SDXL's channels), at the real sizes:
12 MP photos, the real crop, the real first-pass and detail sizes, the real step counts. A forward
hook on every model (UNet, each ControlNet, VAE encoder and decoder, both text encoders) records
each call's input shapes and the stage it ran in (`worker.engine.stages.CURRENT_STAGE`). The
calls are diffusers' own, so a ControlNet that diffusers runs at scale 0 is counted, and one the
engine skips is not. Each distinct call is then replayed once on the full-size model
(bench/gpu_configs.py) on the meta device under `torch.utils.flop_counter.FlopCounterMode`, and
multiplied by its count. Nothing is scaled or estimated: the shapes are production's.

Cases: the GPU check's photos (bench/gpu_cases.py: GPU) and its segmentation, every pixel
floor (the whole photo is staged: the largest crop, the worst case), with the GPU check's sofa
drawn in for declutter and restage (worker/generators/sdxl_warmup.py: SOFA_BOX). The fast tier
runs with the GPU check's rank-64 Lightning-style LoRA on the attention projections. "plain"
is plain diffusers (the same pipeline class and ControlNet, no engine) at the case's first-pass
size, steps and guidance: what `StableDiffusionXLControlNetInpaintPipeline` alone does.

Not counted: element-wise work (FlopCounterMode counts matmuls, convolutions and attention), the
segmentation and depth annotators, the quality gate's scoring and its re-rolls (a re-roll repeats
the generation of each failing variant), and the IP-Adapter (production loads none by default).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PIL import Image

from bench.flop_calls import Recorder, Replay
from bench.gpu_cases import GPU, Case
from bench.gpu_ours import PROMPT, request_for
from bench.resolution_grid import grid_markdown, grid_rows
from core.settings import SdxlSettings
from jobs.models import JobMode
from worker.generators.sdxl_warmup import SOFA_BOX
from worker.vision.ade20k import ADE20K_LABELS
from worker.vision.mask import Segmenter

TARGET_PFLOP = 1.0
"""Issue 18: a 12 MP 4:3 photo, 1 variant, 30 steps, standard tier."""
LATENT = 8
"""SDXL's VAE: one latent per 8x8 pixels."""


CASES = [
    *(Case("ours", aspect=aspect) for aspect in GPU.photos),
    Case("ours", variants=4),
    Case("ours", tier="fast"),
    Case("ours", variants=4, tier="fast"),
    Case("ours", mode=JobMode.DECLUTTER),
    Case("ours", mode=JobMode.RESTAGE),
]
"""The GPU check's uncompiled cases (compiling changes no FLOP)."""


@dataclass(frozen=True)
class PassShape:
    """One stage's UNet calls: pixel size (width, height), how many calls, their batch."""

    size: tuple[int, int]
    calls: int
    batch: int

    def __str__(self) -> str:
        return f"{self.size[0]}x{self.size[1]}, {self.calls} x batch {self.batch}"


@dataclass
class Row:
    """One case's count, per image: TFLOP per stage and per model, the passes' sizes."""

    case: str
    photo: str
    passes: dict[str, PassShape]
    """Per stage that ran a UNet."""
    stages: dict[str, float]
    models: dict[str, float]
    total_pflop: float
    plain_pflop: float | None = None
    ratio_vs_plain: float | None = field(default=None)


class DrawnFloor(Segmenter):
    """The GPU check's segmentation: every pixel floor, and its sofa when furnished. It draws
    labels instead of calling Segmenter's constructor."""

    def __init__(self, furnished: bool) -> None:
        self.id2label = dict(enumerate(ADE20K_LABELS))
        self.ids = {name: index for index, name in self.id2label.items()}
        self.furnished = furnished

    def labels(self, image: Image.Image) -> np.ndarray:
        """Floor everywhere; the sofa box when furnished."""
        width, height = image.size
        labels = np.full((height, width), self.ids["floor"])
        if self.furnished:
            x0, y0, x1, y1 = SOFA_BOX
            rows = slice(round(y0 * height), round(y1 * height))
            labels[rows, round(x0 * width) : round(x1 * width)] = self.ids["sofa"]
        return labels


def passes(recorder: Recorder) -> dict[str, PassShape]:
    """Per stage, the UNet's pixel size, its number of calls and their batch."""
    result = {}
    for (stage, call), count in recorder.calls.items():
        if call.model == "unet":
            batch, _, height, width = call.shapes[0]
            result[stage] = PassShape((width * LATENT, height * LATENT), count, batch)
    return result


def count_case(generator: Any, replay: Replay, case: Case) -> Row:
    """Run the case through SdxlGenerator.generate, recording calls; replay them at full size."""
    generator.segmenter = DrawnFloor(furnished=case.mode is not JobMode.STAGE)
    recorder = Recorder()
    request = request_for(GPU, case)
    with recorder.attached(generator.pipe, generator.nets):
        generator.generate(request, lambda f, s: None, lambda: False)
    tally = replay.tally(recorder.calls)
    per_image = 1e12 * case.variants
    stages = {stage: sum(models.values()) / per_image for stage, models in tally.items()}
    models: dict[str, float] = {}
    for by_model in tally.values():
        for model, flops in by_model.items():
            models[model] = models.get(model, 0.0) + flops / per_image
    width, height = request.image.size
    return Row(case.name, f"{width}x{height}", passes(recorder), stages, models,
               sum(stages.values()) / 1000)  # fmt: skip


def plain_pflop(fields: dict[str, Any], replay: Replay, row: Row, case: Case) -> float:
    """Plain diffusers at the case's first-pass size, steps, guidance and variants."""
    from diffusers import ControlNetModel, StableDiffusionXLControlNetInpaintPipeline

    s = SdxlSettings(**fields)
    pipe = StableDiffusionXLControlNetInpaintPipeline.from_pretrained(
        s.base_model, controlnet=[ControlNetModel.from_pretrained(s.controlnet_depth_model)]
    )
    pipe.set_progress_bar_config(disable=True)
    size = row.passes["generation"].size
    image = Image.new("RGB", size, (150, 120, 90))
    fast = case.tier == "fast"
    recorder = Recorder(outside="plain")
    with recorder.attached(pipe, list(pipe.controlnet.nets)):
        pipe(prompt=PROMPT, image=image, mask_image=Image.new("L", size, 255),
             control_image=[image], width=size[0], height=size[1], strength=s.strength,
             num_inference_steps=s.lightning_steps if fast else s.steps,
             guidance_scale=0.0 if fast else s.guidance_scale,
             num_images_per_prompt=case.variants)  # fmt: skip
    total = sum(sum(models.values()) for models in replay.tally(recorder.calls).values())
    return total / case.variants / 1e15


def run(workdir: Path) -> list[Row]:
    """Every case, counted; staging cases also against plain diffusers."""
    import diffusers
    import torch
    import transformers

    from bench.flop_models import save_tiny
    from core.settings import Settings
    from worker.generators.sdxl import SdxlGenerator

    # The count does not depend on speed; one thread spares OpenMP's spin-waits on a shared CPU,
    # which made the tiny models 30 times slower there.
    torch.set_num_threads(1)
    for library in (diffusers, transformers):
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()
    fields = save_tiny(workdir)
    generator = SdxlGenerator.from_settings(Settings(sdxl=SdxlSettings(**fields)))
    replay, rows, plain = Replay(), [], {}
    for case in CASES:
        row = count_case(generator, replay, case)
        if case.mode is JobMode.STAGE:
            key = (row.passes["generation"].size, case.variants, case.tier)
            if key not in plain:
                plain[key] = plain_pflop(fields, replay, row, case)
            row.plain_pflop = plain[key]
            row.ratio_vs_plain = row.total_pflop / row.plain_pflop
        rows.append(row)
        shapes = "; ".join(f"{stage} {shape}" for stage, shape in row.passes.items())
        print(f"{case.name}: {row.total_pflop:.3f} PFLOP/image ({shapes})", flush=True)
    return rows


def markdown(rows: list[Row]) -> str:
    """The FLOP table (TFLOP per image per stage and per model) and the target line."""
    stages = list(dict.fromkeys(name for row in rows for name in row.stages))
    models = list(dict.fromkeys(name for row in rows for name in row.models))
    lines = ["| case | " + " | ".join(stages) + " | " + " | ".join(models)
             + " | PFLOP/image | plain PFLOP | vs plain |",
             "|" + "---|" * (len(stages) + len(models) + 4)]  # fmt: skip
    for row in rows:
        cells = [f"{row.stages[n]:.0f}" if n in row.stages else "-" for n in stages]
        cells += [f"{row.models[n]:.0f}" if n in row.models else "-" for n in models]
        plain = f"{row.plain_pflop:.3f}" if row.plain_pflop else "-"
        ratio = f"{row.ratio_vs_plain:.2f}x" if row.ratio_vs_plain else "-"
        lines.append(f"| {row.case} | {' | '.join(cells)} | {row.total_pflop:.3f} | {plain} | "
                     f"{ratio} |")  # fmt: skip
    lines += ["", "Passes (pixel size, UNet calls x batch):", ""]
    lines += [f"- {row.case}: " + "; ".join(f"{k} {v}" for k, v in row.passes.items())
              for row in rows]  # fmt: skip
    headline = next(row for row in rows if row.case == "4:3 1v standard")
    verdict = "meets" if headline.total_pflop <= TARGET_PFLOP else "misses"
    lines += ["", f"Target: 12 MP 4:3, 1 variant, standard tier <= {TARGET_PFLOP} PFLOP/image: "
              f"{headline.total_pflop:.3f} ({verdict})."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Count, print the tables and optionally write them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--markdown", type=Path, help="write the tables here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="flops-") as workdir:
        rows = run(Path(workdir))
    grid = grid_rows(SdxlSettings())
    table = markdown(rows) + "\n" + grid_markdown(grid)
    print(table)
    if args.json:
        figures = {"rows": [asdict(row) for row in rows], "grid": [asdict(g) for g in grid]}
        args.json.write_text(json.dumps(figures, indent=2))
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
