"""The GPU check's cases in the order they run, the two runs of them (on a GPU, and the CPU dry
run), and the budget the whole check must fit in a short GPU rental."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.gpu_configs import FULL, TINY, ModelConfigs
from jobs.models import JobMode


@dataclass(frozen=True)
class Case:
    """One row of the check."""

    kind: str
    """"first-image" (a fresh process), "ours" (SdxlGenerator behind the quality gate), "compile"
    (compile the loaded generator and run production's warm-up), "plain" (plain diffusers) or
    "adapters" (a generator with the LoRA and IP-Adapter loaded)."""
    aspect: str = "4:3"
    variants: int = 1
    tier: str = "standard"
    mode: JobMode = JobMode.STAGE
    compiled: bool = False
    rerolls: int = 0
    """Re-rolls the case forces through the quality gate."""
    reference: bool = False
    """With a style reference image (IP-Adapter)."""

    @property
    def name(self) -> str:
        """'4:3 1v standard compiled'; 'declutter 4:3 1v standard'; 'compile + warm-up'."""
        if self.kind == "first-image":
            return "first image, fresh process"
        if self.kind == "compile":
            return "compile + warm-up"
        prefix = {"plain": "plain ", "adapters": "adapters "}.get(self.kind, "")
        mode = "" if self.mode is JobMode.STAGE else f"{self.mode} "
        name = f"{prefix}{mode}{self.aspect} {self.variants}v {self.tier}"
        extras = [
            ("compiled", self.compiled),
            ("reference", self.reference),
            (f"{self.rerolls} re-roll", self.rerolls > 0),
        ]
        return " ".join([name, *(text for text, on in extras if on)])


def _compiled(**fields: Any) -> Case:
    return Case("ours", compiled=True, **fields)


CASES: list[Case] = [
    Case("first-image", compiled=True),
    Case("ours"),
    Case("compile"),
    _compiled(),
    _compiled(aspect="3:2"),
    _compiled(aspect="16:9"),
    _compiled(aspect="portrait"),
    _compiled(variants=4),
    _compiled(mode=JobMode.DECLUTTER),
    _compiled(mode=JobMode.RESTAGE),
    _compiled(rerolls=1),
    Case("plain"),
    Case("adapters", tier="fast", reference=True),
]
"""Headline cases run production's defaults (no LoRA, no IP-Adapter, fused UNet), compiled after
one uncompiled case; the adapters are one case, uncompiled (their warm-up compiles 15 more graphs
on the dry run's count, too many for a short rental). The first image is measured first, with
a cold compile cache, which the later compile then reads."""
LOADS = {"first-image": 1, "ours": 1, "plain": 1, "adapters": 1}
"""Pipeline loads per case kind: a kind loads its models on its first case."""


@dataclass(frozen=True)
class Limits:
    """What the whole check may cost: cases, pipeline loads, and graphs compiled per process."""

    cases: int = 14
    loads: int = 4
    graphs: int = 6


LIMITS = Limits()
DEADLINE_S = 480.0
"""The real check stops starting cases after this many seconds (recording them as skipped)."""


def budget(cases: list[Case]) -> dict[str, int]:
    """The check's cost in counts: cases, and pipeline loads (one per kind that loads)."""
    kinds = {case.kind for case in cases}
    return {"cases": len(cases), "loads": sum(LOADS.get(kind, 0) for kind in kinds)}


@dataclass(frozen=True)
class Run:
    """Where and at what size the cases run: the GPU, or the CPU dry run."""

    name: str
    configs: ModelConfigs
    device: str
    photos: dict[str, tuple[int, int]]
    settings: dict[str, Any] = field(default_factory=dict)
    """SdxlSettings fields over production's defaults."""


GPU = Run(
    "gpu",
    FULL,
    "cuda",
    {"4:3": (4000, 3000), "3:2": (4248, 2832), "16:9": (4624, 2600), "portrait": (3000, 4000)},
)
DRY_RUN = Run(
    "dry run",
    TINY,
    "cpu",
    {"4:3": (320, 240), "3:2": (336, 224), "16:9": (368, 208), "portrait": (240, 320)},
    {
        "steps": 2,
        "lightning_steps": 2,
        "target_pixels": 6144,
        "bucket_multiple": 32,
        "device": "cpu",
        "compile_backend": "eager",
    },
)
