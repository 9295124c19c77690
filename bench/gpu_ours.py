"""The GPU check's cases: production's generator behind production's quality gate, compiled by
production's functions, plain diffusers at the same shape, and the adapters."""

from __future__ import annotations

import gc
import time
from typing import Any

import numpy as np

from bench.gpu_cases import Case, Run
from bench.gpu_modes import GateRow, gate_row
from bench.gpu_plain import plain_seconds, sync
from bench.gpu_report import Row
from core.settings import GeneratorName, SdxlSettings, Settings
from jobs.models import JobMode
from tests.factories import room_photo
from worker.generators.base import GenerationRequest

PROMPT = "a {room_type} with a sofa, coffee table and rug"
FAIL_EVERY_SCORE = {"seam": 0.0, "furniture": 1.0, "style": 1.0, "leftover": 0.0}
"""Thresholds no random-weight result meets: a case with rerolls re-rolls exactly that often."""


def settings_for(run: Run, fields: dict[str, Any], **overrides: Any) -> Settings:
    """Production's defaults pointed at the saved models, without the adapters unless asked;
    the gate scores but re-rolls only in the cases that force it."""
    sdxl = {**fields, "lightning_lora_model": "", "ip_adapter_model": "", **run.settings}
    return Settings(
        generator=GeneratorName.SDXL,
        sdxl=SdxlSettings(**{**sdxl, **overrides}),
        quality_max_rerolls=0,
    )


def request_for(run: Run, case: Case) -> GenerationRequest:
    """A synthetic room photo of the case's aspect (a reference image where the case has one)."""
    params = {"fast_tier": case.tier == "fast"}
    style: dict[str, Any] = {"slug": "bench", "prompt": PROMPT, "params": params}
    if case.rerolls:
        style["quality_thresholds"] = FAIL_EVERY_SCORE
    references = [room_photo(224, 224, seed=2)] if case.reference else []
    photo = room_photo(*run.photos[case.aspect])
    return GenerationRequest(
        0, photo, "living_room", style, case.variants, 1, references, case.mode
    )


def _free(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def _peak_gb(device: str) -> float | None:
    if not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.max_memory_allocated() / 2**30


class Ours:
    """The check's state across cases: the loaded gate, and what later rows compare against."""

    def __init__(self, run: Run, fields: dict[str, Any]) -> None:
        self.run, self.fields = run, fields
        self.gate: Any = None
        self.staged: Row | None = None
        self.plain_shape: tuple[tuple[int, int], int] | None = None
        self.gates: list[GateRow] = []
        self.compiled: bool | None = None
        """Whether the compile case succeeded (None before it ran)."""

    def load(self, **overrides: Any) -> Any:
        """build_generator: the pipeline, annotators, scorers and quality gate, as a worker does."""
        from worker.generators import build_generator

        self.gate = None
        _free(self.run.device)
        settings = settings_for(self.run, self.fields, **overrides)
        self.gate = build_generator(settings)
        return self.gate

    def case(self, case: Case, row: Row) -> None:
        """Dispatch one case onto its row."""
        from worker.generators.sdxl_pipeline import compiled_graphs

        before = compiled_graphs()
        if case.kind == "compile":
            self.compile(row)
        elif case.kind == "plain":
            self.plain(row)
        else:
            if case.kind == "adapters":
                self.load(
                    lightning_lora_model=self.fields["lightning_lora_model"],
                    ip_adapter_model=self.fields["ip_adapter_model"],
                )
            elif self.gate is None:
                self.load()
            self.job(case, row, warm=not case.compiled)
        row.graphs = compiled_graphs() - before

    def compile(self, row: Row) -> None:
        """SDXL_COMPILE on the loaded generator: compile_blocks as load_pipeline does, then
        production's warm-up (which switches to serving what it compiled)."""
        from worker.generators.sdxl_pipeline import compile_blocks

        sdxl = self.gate.inner
        sdxl.settings = sdxl.settings.model_copy(update={"compile": True})
        for model in (sdxl.pipe.unet, *sdxl.nets):
            compile_blocks(model, sdxl.settings)
        self.compiled = False
        sdxl.warm_up()
        if sdxl.compile_error:
            raise RuntimeError(f"the compiled warm-up failed: {sdxl.compile_error}")
        self.compiled = True

    def job(self, case: Case, row: Row, *, warm: bool) -> None:
        """One job through the quality gate (after an untimed one where warm), timed end to end."""
        from worker.generators.sdxl_warmup import StagedRoom
        from worker.quality.gate import QualityGate

        if case.compiled and not self.compiled:
            raise RuntimeError("not compiled: the compile case did not succeed")
        gate, device = self.gate, self.run.device
        if case.rerolls:
            gate = QualityGate(
                gate.inner, gate.scorer, max_rerolls=case.rerolls, guess_room=gate.guess_room
            )
        request = request_for(self.run, case)
        segmenter = gate.inner.segmenter
        if case.mode is not JobMode.STAGE:  # the random segmenter finds no furniture to remove
            gate.inner.segmenter = StagedRoom(segmenter)
        try:
            if warm:
                gate.generate(request, lambda f, s: None, lambda: False)
            _free(device)
            sync(device)
            start = time.perf_counter()
            result = gate.generate(request, lambda f, s: None, lambda: False)
            sync(device)
            seconds = time.perf_counter() - start
        finally:
            gate.inner.segmenter = segmenter
        width, height = result.images[0].size
        row.photo, row.peak_mem_gb = f"{width}x{height}", _peak_gb(device)
        row.s_per_image = seconds / case.variants
        row.stages = {name: value / case.variants for name, value in result.timings.items()}
        row.rerolls = sum(score["attempts"] - 1 for score in result.scores)
        if case.rerolls and row.rerolls != case.rerolls * case.variants:
            raise RuntimeError(f"{row.rerolls} re-rolls ran, {case.rerolls} were forced")
        self._compare(case, row, request, result)

    def _compare(self, case: Case, row: Row, request: GenerationRequest, result: Any) -> None:
        """Keep the compiled 4:3 1v staging for the ratios; time the gate's parts (1v cases)."""
        from worker.engine.crop import plan_for

        plain_case = case.compiled and case.variants == 1 and case.aspect == "4:3"
        if plain_case and case.mode is JobMode.STAGE and not case.rerolls:
            s = self.gate.inner.settings
            plan = plan_for(np.asarray(result.mask) > 127, s)
            self.staged, self.plain_shape = row, (plan.size, s.steps)
        elif plain_case and case.mode is not JobMode.STAGE and self.staged is not None:
            row.ratio_vs_stage = (row.s_per_image or 0) / (self.staged.s_per_image or 1)
        clip = self.gate.scorer.clip
        if plain_case and not case.rerolls and clip is not None:
            self.gates.append(
                gate_row(
                    case.name,
                    self.gate.scorer,
                    self.gate.inner.device,
                    request,
                    result,
                    row.s_per_image or 0,
                    warm_up=True,
                )
            )

    def plain(self, row: Row) -> None:
        """Plain diffusers at the compiled 4:3 1v staging's generation shape (ours freed first)."""
        if self.plain_shape is None or self.staged is None:
            raise RuntimeError("no compiled 4:3 1v staging to compare with")
        settings = self.gate.inner.settings
        self.gate = None
        _free(self.run.device)
        size, steps = self.plain_shape
        row.photo = f"{size[0]}x{size[1]}"
        row.s_per_image = plain_seconds(settings, self.run.device, size, 1, steps)
        row.stages = {"generation": row.s_per_image}
        row.peak_mem_gb = _peak_gb(self.run.device)
        self.staged.ratio_vs_plain = row.s_per_image / self.staged.stages["generation"]
