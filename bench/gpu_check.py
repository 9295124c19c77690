"""The GPU check: production's own staging path on random-weight models, timed per stage.

Usage: python bench/gpu_check.py [--smoke] [--json PATH] [--markdown PATH]
Without --smoke it needs one CUDA GPU and no network: it builds full-size random-weight models in
the real architectures (bench/gpu_models.py), loads them with SdxlGenerator.from_settings, and runs
SdxlGenerator.generate on 12 MP photos (segmentation, control images, generation on the mask's
crop, detail pass, colour match, paste-back), in the three modes (declutter and restage add the
removal pass), and times the quality gate's scoring of one variant (bench/gpu_modes.py). --smoke
runs the same code on tiny models on the CPU, the torch.compile path included. Plain diffusers (the
same pipeline class, no optimisations) runs each staging case's generation stage in the same
process for the ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.gpu_models import save_models
from bench.gpu_modes import REROLL_NOTE, Furnished, GateRow, gate_markdown, gate_row
from core.settings import SdxlSettings, Settings
from jobs.models import JobMode
from tests.factories import room_photo
from worker.generators.base import GenerationRequest

PHOTOS = {"4:3": (4000, 3000), "3:2": (4248, 2832), "16:9": (4624, 2600), "portrait": (3000, 4000)}
SMOKE_PHOTOS = {"4:3": (128, 96), "portrait": (96, 128)}
FULL = {"steps": 30, "lightning_steps": 8}
# Photos this small meet the 0.5 resolution goal in the first pass: native resolution as the
# goal gives them the detail pass.
SMOKE = {"steps": 2, "lightning_steps": 2, "target_pixels": 4096, "bucket_multiple": 16,
         "device": "cpu", "dtype": "float32", "mlsd_resolution": 64,
         "detail_min_resolution": 1.0}  # fmt: skip
PROMPT = "a {room_type} with a sofa, coffee table and rug"


@dataclass(frozen=True)
class Case:
    """One measured configuration."""

    aspect: str
    variants: int
    tier: str
    compiled: bool
    mode: JobMode = JobMode.STAGE

    @property
    def name(self) -> str:
        """'4:3 1v standard compiled'; other modes first: 'declutter 4:3 1v standard'."""
        mode = "" if self.mode is JobMode.STAGE else f"{self.mode} "
        return f"{mode}{self.aspect} {self.variants}v {self.tier}" + (
            " compiled" if self.compiled else ""
        )


@dataclass
class Row:
    """One case's figures; stage seconds are per image."""

    case: str
    photo: str
    s_per_image: float
    stages: dict[str, float]
    peak_mem_gb: float
    ratio_vs_plain: float | None
    """Staging cases: plain diffusers' generation stage over ours (None for the other modes)."""
    compiled: bool
    mode: str = "stage"
    ratio_vs_stage: float | None = None
    """Declutter and restage: s/image over the uncompiled staging case of the same photo."""


MODE_CASES = [
    Case("4:3", 1, "standard", False, mode) for mode in (JobMode.DECLUTTER, JobMode.RESTAGE)
]


def cases(smoke: bool) -> list[Case]:
    """Each aspect at 1 variant; 4:3 also at 4 variants and in the fast tier; declutter and restage
    at 4:3; uncompiled, then compiled. The smoke run keeps one case of each kind, and one
    compiled."""
    if smoke:
        return [Case("4:3", 1, "standard", False), Case("portrait", 2, "fast", False),
                *MODE_CASES, Case("4:3", 1, "standard", True)]  # fmt: skip
    result = []
    for compiled in (False, True):
        result += [Case(aspect, 1, "standard", compiled) for aspect in PHOTOS]
        result += [Case("4:3", 4, "standard", compiled), Case("4:3", 1, "fast", compiled)]
        result.append(Case("4:3", 4, "fast", compiled))
        if not compiled:
            result += MODE_CASES
    return result


def settings_for(fields: dict[str, Any], smoke: bool, **overrides: Any) -> Settings:
    """The production settings (defaults), pointed at the saved models."""
    return Settings(sdxl=SdxlSettings(**{**fields, **(SMOKE if smoke else FULL), **overrides}))


def request_for(case: Case, smoke: bool) -> GenerationRequest:
    """A synthetic photo of the case's aspect, with a reference image for the IP-Adapter."""
    width, height = (SMOKE_PHOTOS if smoke else PHOTOS)[case.aspect]
    style = {"slug": "bench", "prompt": PROMPT, "params": {"fast_tier": case.tier == "fast"}}
    return GenerationRequest(
        0, room_photo(width, height), "living_room", style, case.variants, seed=1,
        reference_images=[room_photo(224, 224, seed=2)], mode=case.mode,
    )  # fmt: skip


def _sync_reset(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def _peak_gb(device: str) -> float:
    if not device.startswith("cuda"):
        return 0.0
    import torch

    return torch.cuda.max_memory_allocated() / 2**30


def run_ours(
    fields: dict[str, Any], smoke: bool
) -> tuple[list[tuple[Case, Any, float, float]], list[GateRow], str]:
    """Every case through SdxlGenerator.generate: one warm-up (on the CPU only where compiled),
    then one timed run; declutter and restage see a furnished segmentation. Then the gate's
    scoring of the uncompiled 4:3 1-variant result of each mode."""
    from worker.generators.sdxl import SdxlGenerator
    from worker.generators.sdxl_pipeline import compile_blocks

    generator = SdxlGenerator.from_settings(settings_for(fields, smoke))
    device, measured, segmenter = generator.device, [], generator.segmenter
    if segmenter is None:
        raise SystemExit("the GPU check needs the segmentation model")
    for case in cases(smoke):
        generator.segmenter = segmenter if case.mode is JobMode.STAGE else Furnished(segmenter)
        if case.compiled and not generator.settings.compile:
            mode = generator.settings.compile_mode
            compile_blocks(generator.pipe.unet, mode)
            for net in generator.nets:
                compile_blocks(net, mode)
            generator.settings = generator.settings.model_copy(update={"compile": True})
        request = request_for(case, smoke)
        if case.compiled or not smoke:
            generator.generate(request, lambda f, s: None, lambda: False)
        _sync_reset(device)
        start = time.perf_counter()
        result = generator.generate(request, lambda f, s: None, lambda: False)
        seconds = time.perf_counter() - start
        measured.append((case, result, seconds, _peak_gb(device)))
        stages = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
        print(f"{case.name}: {seconds / case.variants:.3f} s/image ({stages})", flush=True)
    gates = gate_rows(fields, smoke, segmenter, measured, device)
    del generator, segmenter
    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
    return measured, gates, device


def gate_rows(
    fields: dict[str, Any], smoke: bool, segmenter: Any, measured: list[tuple], device: str
) -> list[GateRow]:
    """The gate's scoring cost per variant, with production's scorers and CLIP model."""
    from worker.quality.scorers import ClipScorer

    clip = ClipScorer.from_pretrained(fields["quality_clip_model"], device=device)
    gated = {Case("4:3", 1, "standard", False), *MODE_CASES}
    rows = []
    for case, result, seconds, _ in measured:
        if case in gated:
            request = request_for(case, smoke)
            s_per_image = seconds / case.variants
            row = gate_row(
                case.name, segmenter, clip, request, result, s_per_image, warm_up=not smoke
            )
            rows.append(row)
            print(f"gate {case.name}: {row.s_per_variant:.3f} s/variant", flush=True)
    return rows


def run_plain(
    fields: dict[str, Any], smoke: bool, shapes: dict[tuple, tuple]
) -> dict[tuple, float]:
    """Plain diffusers at each (size, variants, steps) shape: seconds per image, warm."""
    import torch
    from diffusers import ControlNetModel, StableDiffusionXLControlNetInpaintPipeline
    from PIL import Image

    s = settings_for(fields, smoke).sdxl
    device = s.device if s.device != "auto" else "cuda"
    dtype = torch.float32 if smoke else torch.float16
    pipe = StableDiffusionXLControlNetInpaintPipeline.from_pretrained(
        s.base_model,
        controlnet=[ControlNetModel.from_pretrained(s.controlnet_depth_model, dtype=dtype)],
        dtype=dtype,
    ).to(device)
    pipe.set_progress_bar_config(disable=True)
    seconds = {}
    for key, (size, variants, steps, guidance) in shapes.items():
        image = Image.new("RGB", size, (150, 120, 90))
        mask = Image.new("L", size, 255)
        kwargs = {"prompt": PROMPT, "image": image, "mask_image": mask, "control_image": [image],
                  "width": size[0], "height": size[1], "num_inference_steps": steps,
                  "guidance_scale": guidance, "strength": s.strength,
                  "num_images_per_prompt": variants}  # fmt: skip
        if not smoke:
            pipe(**kwargs)
        _sync_reset(device)
        start = time.perf_counter()
        pipe(**kwargs)
        _sync_reset(device)
        seconds[key] = (time.perf_counter() - start) / variants
    return seconds


def first_image(models: Path, smoke: bool) -> float:
    """Seconds from a fresh process's start to its first staged image, weights on disk."""
    start = time.perf_counter()
    command = [sys.executable, __file__, "--first-image", str(models)] + (
        ["--smoke"] if smoke else []
    )
    subprocess.run(command, check=True, timeout=600)
    return time.perf_counter() - start


def _first_image_child(models: Path, smoke: bool) -> None:
    """Production start-up: from_settings (compiling and warming up on a GPU), then one job."""
    from worker.generators.sdxl import SdxlGenerator

    fields = json.loads((models / "settings.json").read_text())
    generator = SdxlGenerator.from_settings(settings_for(fields, smoke, compile=not smoke))
    generator.generate(request_for(Case("4:3", 1, "standard", not smoke), smoke),
                       lambda f, s: None, lambda: False)  # fmt: skip


def rows_from(measured: list, plain: dict, keys: list[tuple | None]) -> list[Row]:
    """One row per case: per-image totals and stages; staging's generation stage against plain,
    declutter and restage against staging the same photo."""
    rows: list[Row] = []
    staged: dict[tuple, Row] = {}
    for (case, result, seconds, peak), key in zip(measured, keys, strict=True):
        stages = {name: value / case.variants for name, value in result.timings.items()}
        width, height = result.images[0].size
        row = Row(case.name, f"{width}x{height}", seconds / case.variants, stages, peak,
                  None, case.compiled, str(case.mode))  # fmt: skip
        if key is not None:
            row.ratio_vs_plain = plain[key] / stages["generation"]
            staged.setdefault((case.aspect, case.variants, case.tier, case.compiled), row)
        else:
            base = staged[(case.aspect, case.variants, case.tier, case.compiled)]
            row.ratio_vs_stage = row.s_per_image / base.s_per_image
        rows.append(row)
    return rows


def markdown(rows: list[Row], header: dict[str, Any]) -> str:
    """A Markdown table of the rows, headed by where and how they were measured; "-" where a
    row has no such stage or ratio."""
    names = list(dict.fromkeys(name for row in rows for name in row.stages))
    lines = [f"{key}: {value}  " for key, value in header.items()]
    lines += ["", "| case | photo | s/image | " + " | ".join(names)
              + " | peak GB | vs plain | vs stage |"]  # fmt: skip
    lines.append("|" + "---|" * (len(names) + 6))
    for row in rows:
        stages = " | ".join(f"{row.stages[n]:.3f}" if n in row.stages else "-" for n in names)
        ratios = [
            f"{r:.2f}x" if r is not None else "-" for r in (row.ratio_vs_plain, row.ratio_vs_stage)
        ]
        lines.append(
            f"| {row.case} | {row.photo} | {row.s_per_image:.3f} | {stages} | "
            f"{row.peak_mem_gb:.1f} | {' | '.join(ratios)} |"
        )
    return "\n".join(lines) + "\n"


def check(smoke: bool, workdir: Path) -> tuple[list[Row], list[GateRow], dict[str, Any]]:
    """Build the models, time production's path, plain diffusers, the gate and the first image."""
    import torch

    from worker.engine.crop import plan_for

    device = "cpu" if smoke else "cuda"
    start = time.perf_counter()
    fields = save_models(workdir, smoke=smoke, device=device)
    build_s = time.perf_counter() - start
    first_s = first_image(workdir, smoke)
    measured, gates, device = run_ours(fields, smoke)
    s = settings_for(fields, smoke).sdxl
    keys: list[tuple | None] = []
    shapes = {}
    for case, result, _, _ in measured:
        if case.mode is not JobMode.STAGE:
            keys.append(None)
            continue
        plan = plan_for(np.asarray(result.mask) > 127, s)
        fast = case.tier == "fast"
        key = (plan.size, case.variants, case.tier)
        keys.append(key)
        steps = s.lightning_steps if fast else s.steps
        shapes[key] = (plan.size, case.variants, steps, 0.0 if fast else s.guidance_scale)
    plain = run_plain(fields, smoke, shapes)
    header = {
        "device": torch.cuda.get_device_name() if device.startswith("cuda") else "cpu (smoke)",
        "torch": torch.__version__,
        "steps": f"{s.steps} standard, {s.lightning_steps} fast",
        "build_models_s": round(build_s, 1),
        "first_image_s": round(first_s, 1),
    }
    return rows_from(measured, plain, keys), gates, header


def main(argv: list[str] | None = None) -> int:
    """Run the check and print (and optionally write) the table."""
    import diffusers
    import torch

    diffusers.utils.logging.set_verbosity_error()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny models on the CPU")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--markdown", type=Path, help="write the table here")
    parser.add_argument("--first-image", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_image:
        _first_image_child(args.first_image, args.smoke)
        return 0
    if not args.smoke and not torch.cuda.is_available():
        print("no CUDA GPU: run with --smoke for the CPU check", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as workdir:
        rows, gates, header = check(args.smoke, Path(workdir))
    table = markdown(rows, header) + gate_markdown(gates)
    print(table)
    if args.json:
        figures = {**header, "rows": [asdict(r) for r in rows], "gate": [asdict(g) for g in gates],
                   "reroll_note": REROLL_NOTE}  # fmt: skip
        args.json.write_text(json.dumps(figures, indent=2))
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
