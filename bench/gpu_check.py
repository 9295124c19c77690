"""The GPU check: production's staging path on random-weight models, timed per stage.

Usage: python bench/gpu_check.py [--dry-run] [--json PATH] [--markdown PATH] [--deadline-s S]

On one CUDA GPU, with no network: build full-size random-weight models saved exactly as their hub
repos are (bench/gpu_models.py), check them with production's check-models, then run the cases of
bench/gpu_cases.py in order: the first image of a fresh compiled process, staging through
build_generator (the worker's generator behind its quality gate) uncompiled, then compiled with
production's compile and warm-up, at four aspects, 4 variants, declutter, restage and a forced
re-roll; plain diffusers at the staging's shape; the adapters. Results (JSON and Markdown) are
written after every case; a failing case is recorded with its error and the check goes on; a case
that would start after --deadline-s is skipped. --dry-run runs the very same cases and functions
on the CPU with tiny models of the same layout and topology, compiling with the eager backend (the
same tracing and guards as inductor), fails if any case fails or the budget is over its limits,
and says nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, only bench/ is on the path: the repo root goes first so its packages win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gpu_cases import CASES, DEADLINE_S, DRY_RUN, GPU, LIMITS, Case, Run, budget
from bench.gpu_models import SETTINGS_FILE, save_models
from bench.gpu_ours import Ours, request_for, settings_for
from bench.gpu_report import Row, write

FIRST_IMAGE_FILE = "first_image.json"
CACHE_DIR = "TORCHINDUCTOR_CACHE_DIR"


def run_cases(
    names: list[str],
    run_one: Callable[[str, Row], None],
    on_row: Callable[[Row], None],
    deadline: float,
) -> list[Row]:
    """Each case onto its own row: timed, its error recorded (the next case still runs), or
    skipped once time.perf_counter() is past deadline; on_row after every case."""
    rows = []
    for name in names:
        row = Row(name)
        start = time.perf_counter()
        if start > deadline:
            row.status, row.error = "skipped", "past the deadline"
        else:
            try:
                run_one(name, row)
            except Exception as exc:  # recorded; the check goes on
                row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
        row.seconds = time.perf_counter() - start
        rows.append(row)
        on_row(row)
        error = f" ({row.error})" if row.error else ""
        print(f"{name}: {row.status} in {row.seconds:.1f} s{error}", flush=True)
    return rows


def first_image(run: Run, workdir: Path, row: Row, deadline: float) -> None:
    """A fresh process: load with SDXL_COMPILE=true, warm up, stage one photo; the row's seconds
    are from spawning it to its exit."""
    command = [sys.executable, __file__, "--first-image", str(workdir)]
    command += ["--dry-run"] if run is DRY_RUN else []
    timeout = max(1.0, deadline - time.perf_counter())
    subprocess.run(command, check=True, timeout=timeout)
    child = json.loads((workdir / FIRST_IMAGE_FILE).read_text())
    row.graphs, row.s_per_image = child.pop("graphs"), child["job_s"]
    row.extra = child


def _first_image_child(run: Run, workdir: Path) -> None:
    from worker.generators import build_generator
    from worker.generators.sdxl_pipeline import compiled_graphs

    fields = json.loads((workdir / SETTINGS_FILE).read_text())
    start = time.perf_counter()
    gate: Any = build_generator(settings_for(run, fields, compile=True, warmup=False))
    loaded = time.perf_counter()
    gate.inner.warm_up()  # what from_settings does with SDXL_WARMUP=true, timed apart
    if gate.inner.compile_error:
        raise SystemExit(f"the compiled warm-up failed: {gate.inner.compile_error}")
    warm = time.perf_counter()
    gate.generate(request_for(run, CASES[0]), lambda f, s: None, lambda: False)
    figures = {
        "load_s": loaded - start,
        "warm_up_s": warm - loaded,
        "job_s": time.perf_counter() - warm,
        "graphs": compiled_graphs(),
    }
    (workdir / FIRST_IMAGE_FILE).write_text(json.dumps(figures))


def check_layout(fields: dict[str, str], run: Run) -> None:
    """Production's check-models over the saved models, adapters included."""
    from worker.models_cli import check_one, model_specs

    settings = settings_for(
        run,
        fields,
        lightning_lora_model=fields["lightning_lora_model"],
        ip_adapter_model=fields["ip_adapter_model"],
    )
    bad = [
        f"{spec.role}: {status}"
        for spec in model_specs(settings)
        if (status := check_one(spec)) != "ok"
    ]
    if bad:
        raise RuntimeError("; ".join(bad))


def check(
    run: Run, workdir: Path, outputs: tuple[Path | None, Path | None], deadline_s: float
) -> tuple[list[Row], dict[str, Any]]:
    """Every case in order; the outputs are rewritten after each."""
    import diffusers
    import torch

    start = time.perf_counter()
    deadline = start + deadline_s
    cost = budget(CASES)
    header: dict[str, Any] = {
        "run": run.name,
        "device": torch.cuda.get_device_name() if run.device == "cuda" else "cpu",
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "budget": f"{cost['cases']} cases, {cost['loads']} pipeline loads, at most "
        f"{LIMITS.graphs} graphs compiled per process",
        "limits": f"{LIMITS.cases} cases, {LIMITS.loads} loads, {LIMITS.graphs} graphs",
    }
    print("budget:", header["budget"], f"(limits: {header['limits']})", flush=True)
    fields: dict[str, str] = {}
    ours = Ours(run, fields)
    rows: list[Row] = []
    cases = {case.name: case for case in CASES}

    def run_one(name: str, row: Row) -> None:
        if name == "build models":
            fields.update(save_models(workdir, run.configs, device=run.device))
        elif name == "check-models":
            check_layout(fields, run)
        elif cases[name].kind == "first-image":
            first_image(run, workdir, row, deadline)
        else:
            ours.case(cases[name], row)

    def on_row(row: Row) -> None:
        rows.append(row)
        header["elapsed_s"] = round(time.perf_counter() - start, 1)
        write(rows, ours.gates, header, *outputs)

    names = ["build models", "check-models", *cases]
    run_cases(names, run_one, on_row, deadline)
    write(rows, ours.gates, header, *outputs)
    return rows, header


def over_limits(rows: list[Row], cases: list[Case]) -> list[str]:
    """What exceeds the budget's limits: cases, loads, graphs of one process."""
    cost = budget(cases)
    found = [
        f"{key} {cost[key]} > {getattr(LIMITS, key)}"
        for key in cost
        if cost[key] > getattr(LIMITS, key)
    ]
    first = sum(row.graphs or 0 for row in rows if row.case == cases[0].name)
    rest = sum(row.graphs or 0 for row in rows if row.case != cases[0].name)
    found += [
        f"{count} graphs in one process > {LIMITS.graphs}"
        for count in (first, rest)
        if count > LIMITS.graphs
    ]
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the check; 1 when a case failed (or, dry run, the budget is over its limits)."""
    import diffusers
    import torch

    diffusers.utils.logging.set_verbosity_error()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="tiny models on the CPU")
    parser.add_argument("--json", type=Path, help="write the rows here (after every case)")
    parser.add_argument("--markdown", type=Path, help="write the table here (after every case)")
    parser.add_argument("--deadline-s", type=float, help=f"default {DEADLINE_S:.0f} (GPU)")
    parser.add_argument("--first-image", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    run = DRY_RUN if args.dry_run else GPU
    if not args.dry_run and not torch.cuda.is_available():
        print("no CUDA GPU: run with --dry-run for the CPU dry run", file=sys.stderr)
        return 2
    threads = torch.get_num_threads()
    if args.dry_run:
        # One thread: tiny models gain nothing from more, and a shared CPU makes them spin.
        torch.set_num_threads(1)
    if args.first_image:
        _first_image_child(run, args.first_image)
        return 0
    deadline_s = args.deadline_s
    if deadline_s is None:
        deadline_s = math.inf if args.dry_run else DEADLINE_S
    cache_dir = os.environ.get(CACHE_DIR)
    try:
        with tempfile.TemporaryDirectory(prefix="gpu-check-") as workdir:
            # A cold compile cache: the first-image process fills it, the later compile reads it.
            os.environ[CACHE_DIR] = str(Path(workdir) / "inductor")
            rows, header = check(run, Path(workdir), (args.json, args.markdown), deadline_s)
    finally:
        torch.compiler.set_stance("default")
        torch.set_num_threads(threads)
        os.environ.pop(CACHE_DIR, None)
        if cache_dir is not None:
            os.environ[CACHE_DIR] = cache_dir
    failed = [row.case for row in rows if row.status == "failed"]
    over = over_limits(rows, CASES) if args.dry_run else []
    graphs = {row.case: row.graphs for row in rows if row.graphs}
    print(f"graphs compiled: {graphs}; elapsed {header['elapsed_s']} s", flush=True)
    for problem in [f"failed: {', '.join(failed)}"] * bool(failed) + over:
        print(problem, file=sys.stderr)
    return 1 if failed or over else 0


if __name__ == "__main__":
    sys.exit(main())
