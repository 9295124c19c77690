"""The GPU check's rows, written as JSON and Markdown after every case, so a crash or a lost
machine keeps every figure measured before it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.gpu_modes import GateRow, gate_markdown

COLUMNS = ("s/image", "peak GB", "graphs", "vs plain", "vs stage", "re-rolls", "case s")


@dataclass
class Row:
    """One case's outcome; stage seconds are per image."""

    case: str
    status: str = "ok"
    """"ok", "failed" (error says why) or "skipped" (past the deadline)."""
    error: str | None = None
    seconds: float = 0.0
    """Wall time of the whole case (loads, warm-up runs and compiles included)."""
    photo: str | None = None
    s_per_image: float | None = None
    """Through the quality gate: generation, scoring, forced re-rolls and the room guess."""
    stages: dict[str, float] = field(default_factory=dict)
    peak_mem_gb: float | None = None
    graphs: int | None = None
    """Graphs torch.compile made during the case."""
    ratio_vs_plain: float | None = None
    """Plain diffusers' generation s/image over ours, at the same shape."""
    ratio_vs_stage: float | None = None
    """Declutter and restage: s/image over the compiled 4:3 1v staging."""
    rerolls: int | None = None
    """Re-rolls the gate ran (attempts past the first, summed over variants)."""
    extra: dict[str, float] = field(default_factory=dict)
    """First image: load_s, warm_up_s and job_s inside the fresh process."""


def _cell(value: float | int | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def markdown(rows: list[Row], gates: list[GateRow], header: dict[str, Any]) -> str:
    """The header, a table of the rows ("-" where a row has no such figure), the gate's table."""
    names = list(dict.fromkeys(name for row in rows for name in row.stages))
    lines = [f"{key}: {value}  " for key, value in header.items()]
    lines += ["", f"| case | status | photo | {' | '.join(names)} | {' | '.join(COLUMNS)} |"]
    lines.append("|" + "---|" * (len(names) + len(COLUMNS) + 3))
    for row in rows:
        stages = [_cell(row.stages.get(name), ".3f") for name in names]
        ratios = [
            _cell(r, ".2f") + "x" * (r is not None)
            for r in (row.ratio_vs_plain, row.ratio_vs_stage)
        ]
        figures = [
            _cell(row.s_per_image, ".3f"),
            _cell(row.peak_mem_gb, ".1f"),
            _cell(row.graphs, "d"),
            *ratios,
            _cell(row.rerolls, "d"),
            _cell(row.seconds, ".1f"),
        ]
        status = row.status if row.error is None else f"{row.status}: {row.error[:120]}"
        lines.append(
            f"| {row.case} | {status} | {row.photo or '-'} | {' | '.join([*stages, *figures])} |"
        )
    for row in rows:
        if row.extra:
            parts = ", ".join(f"{key} {value:.1f}" for key, value in row.extra.items())
            lines += ["", f"{row.case}: {parts}"]
    return "\n".join(lines) + "\n" + (gate_markdown(gates) if gates else "")


def write(
    rows: list[Row],
    gates: list[GateRow],
    header: dict[str, Any],
    json_path: Path | None,
    markdown_path: Path | None,
) -> None:
    """Write both outputs whole (to a temporary name, then renamed: never half a file)."""
    outputs = [
        (
            json_path,
            json.dumps(
                {**header, "rows": [asdict(r) for r in rows], "gate": [asdict(g) for g in gates]},
                indent=2,
            ),
        ),
        (markdown_path, markdown(rows, gates, header)),
    ]
    for path, text in outputs:
        if path is not None:
            partial = path.with_name(path.name + ".partial")
            partial.write_text(text)
            partial.replace(path)
