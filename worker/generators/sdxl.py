"""The production generator: SDXL + ControlNet inpainting of the floor, pasted back exactly."""

from __future__ import annotations

import gc
import logging
from typing import Any

import numpy as np
from PIL import Image

from core import disclosure
from core.faults import OutOfMemory
from core.settings import SdxlSettings, Settings
from worker.engine.generation import Pass, run_pass
from worker.engine.stages import Annotator, StageClock, segment
from worker.generators.base import (
    BadInput,
    GenerationRequest,
    GenerationResult,
    GpuInfo,
    ProgressCallback,
    StopCheck,
    StopRequested,
    variant_seeds,
)
from worker.generators.sdxl_adapters import Adapters
from worker.generators.sdxl_edit import generate_edit
from worker.generators.sdxl_finishing import generate_finishing
from worker.generators.sdxl_inpaint import STAGING, Controls, InsideMask, inpaint, result_of
from worker.generators.sdxl_params import JobParams, job_params
from worker.generators.sdxl_pipeline import (
    control_kinds,
    load_pipeline,
    make_schedulers,
    resolve_device,
    resolve_dtype,
    serve_compiled,
)
from worker.generators.sdxl_removal import generate_with_removal
from worker.generators.sdxl_warmup import warm_up
from worker.vision.control import DepthEstimator, LineDetector, depth_in_mask
from worker.vision.mask import Segmenter
from worker.vision.room_guess import guess_from_photo
from worker.weights import pinned_settings

log = logging.getLogger(__name__)

FAST_TIER_UNAVAILABLE = "Standard tier: no fast-tier LoRA on this worker"


class GpuOutOfMemory(OutOfMemory):
    """CUDA ran out of memory; memory was freed and the job may be retried."""


class GenerationFailed(Exception):
    """The diffusers pipeline raised; the message says where."""


class SdxlGenerator:
    """Loads the pipeline and annotators once, then stages one job at a time."""

    name = "sdxl"

    def __init__(
        self,
        settings: SdxlSettings,
        pipe: Any,
        *,
        device: str,
        segmenter: Segmenter | None,
        depth: DepthEstimator | None,
        lines: LineDetector | None,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.labels = labels or {kind: d.label for kind, d in disclosure.DEFAULTS.items()}
        """The disclosure label per kind of alteration, in the deployment's words."""
        self.pipe = pipe
        self.device = device
        self.segmenter = segmenter
        self.depth = depth
        self.lines = lines
        self.controls = control_kinds(settings)
        self.all_nets = pipe.controlnet
        self.nets = list(pipe.controlnet.nets)
        self.schedulers = make_schedulers(pipe.scheduler.config)
        self.adapters = Adapters(pipe, settings, device=device)
        self.compile_error: str | None = None
        """Why torch.compile was given up in the warm-up, if it was."""
        self.gpu: GpuInfo | None = None
        if device.startswith("cuda"):
            import torch

            props = torch.cuda.get_device_properties(device)
            self.gpu = GpuInfo(name=props.name, memory_mb=props.total_memory // 2**20)

    @classmethod
    def from_settings(cls, settings: Settings) -> SdxlGenerator:
        """Load every model once (pinned hub ids at their commit from the HF cache, or local dirs),
        then warm up if compiling."""
        s = pinned_settings(settings.sdxl)
        device = resolve_device(s.device)
        kinds = control_kinds(s)
        if "depth" in kinds and not s.depth_model:
            raise ValueError("SDXL_CONTROLNET_DEPTH_MODEL needs SDXL_DEPTH_MODEL")
        if "mlsd" in kinds and not s.mlsd_model:
            raise ValueError("SDXL_CONTROLNET_MLSD_MODEL needs SDXL_MLSD_MODEL")
        generator = cls(
            s,
            load_pipeline(s, device=device, dtype=resolve_dtype(s.dtype, device)),
            device=device,
            segmenter=(
                Segmenter.from_pretrained(s.segmentation_model, device=device)
                if s.segmentation_model
                else None
            ),
            depth=(
                DepthEstimator.from_pretrained(s.depth_model, device=device)
                if "depth" in kinds
                else None
            ),
            lines=(
                LineDetector.from_pretrained(
                    s.mlsd_model, device=device, resolution=s.mlsd_resolution
                )
                if "mlsd" in kinds
                else None
            ),
            labels={kind: entry.label for kind, entry in disclosure.table(settings).items()},
        )
        if s.compile and s.warmup:
            generator.warm_up()
        return generator

    def warm_up(self) -> None:
        """Compile every graph a job can need (sdxl_warmup), then compile nothing more. If the
        compiler fails, the worker logs it and serves uncompiled (compile_error says why)."""
        import torch
        from torch._dynamo.exc import FailOnRecompileLimitHit, TorchDynamoException

        try:
            warm_up(self)
        except GenerationFailed as exc:
            cause = exc.__cause__
            if not isinstance(cause, (TorchDynamoException, FailOnRecompileLimitHit)):
                raise
            log.exception("torch.compile failed in the warm-up: serving uncompiled")
            self.compile_error = f"{type(cause).__name__}: {cause}"
            torch.compiler.set_stance("force_eager")
            return
        if self.settings.compile:
            serve_compiled()

    def generate(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult:
        """Stage the photo's floor in N variants; every pixel outside the mask stays the input's."""
        if request.variants < 1:
            raise BadInput("variants must be at least 1")
        if request.edit is not None:
            return generate_edit(self, request, request.edit, on_progress, should_stop)
        if request.mode.finishes:  # enhance, sky and twilight: classical, no pipeline
            return generate_finishing(self, request, on_progress, should_stop)
        if request.mode.removes:  # declutter and restage (issue 9)
            return generate_with_removal(self, request, on_progress, should_stop)
        params = self.params_for(request)
        if params.fast_tier_unavailable:
            log.warning("fast tier asked for, but no Lightning LoRA is configured: standard tier")
            on_progress(0.01, FAST_TIER_UNAVAILABLE)
        return self.stage(request, params, on_progress, should_stop)

    def params_for(self, request: GenerationRequest) -> JobParams:
        """The job's pipeline parameters from its style, room type and this deployment."""
        return job_params(
            request.style,
            request.room_type,
            self.settings,
            fast_tier_loaded=bool(self.settings.lightning_lora_model),
        )

    def guess_room_type(self, image: Image.Image) -> str | None:
        """The room type the photo's segmentation suggests (None without a segmenter)."""
        return guess_from_photo(image, self.segmenter)

    def stage(
        self,
        request: GenerationRequest,
        params: JobParams,
        on_progress: ProgressCallback,
        should_stop: StopCheck,
    ) -> GenerationResult:
        """The staging stages in order, each timed into result.timings."""
        clock = StageClock(self.device)
        photo = request.image.convert("RGB")
        with clock("segmentation"):
            _check(should_stop)
            on_progress(0.02, "Segmenting")
            mask = segment(
                photo, self.segmenter, self.settings, floor=params.floor, protected=params.protected
            )
        seeds = variant_seeds(request.seed, request.variants)
        images = inpaint(self, request, params, photo, mask, seeds, stages=STAGING,
                         inside=self._depth_inside(params), clock=clock, on_progress=on_progress,
                         should_stop=should_stop)  # fmt: skip
        result = result_of(images, seeds, mask, self.settings, self.labels[request.disclosure])
        result.timings = clock.seconds
        return result

    def _depth_inside(self, params: JobParams) -> InsideMask:
        """What the depth ControlNet sees inside the staging mask (the style's depth_in_mask)."""

        def inside(controls: Controls, mask: np.ndarray) -> Controls:
            return depth_in_mask(controls, self.controls, mask, params.depth_in_mask)

        return inside

    def _annotators(
        self, params: JobParams, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> list[tuple[Annotator | None, float]]:
        """(annotator, scale) per loaded ControlNet, each reporting progress when it runs."""
        result: list[tuple[Annotator | None, float]] = []
        for kind in self.controls:
            scale = params.depth_scale if kind == "depth" else params.mlsd_scale
            annotator = self.depth if kind == "depth" else self.lines
            fraction, text = (0.05, "Depth") if kind == "depth" else (0.08, "Lines")

            def reported(
                image: Image.Image, run=annotator, fraction=fraction, text=text
            ) -> Image.Image:
                _check(should_stop)
                on_progress(fraction, text)
                return run(image)

            result.append((reported if annotator is not None else None, scale))
        return result

    def _run(
        self,
        request: GenerationRequest,
        params: JobParams,
        work: Pass,
        seeds: list[int],
        band: tuple[float, float],
        label: str,
        on_progress: ProgressCallback,
        should_stop: StopCheck,
    ) -> list[Image.Image]:
        import torch

        _check(should_stop)
        self.pipe.scheduler = self.schedulers[params.scheduler]
        extra = self.adapters.prepare(request, params)

        def on_step(step: int, total: int) -> None:
            on_progress(band[0] + (band[1] - band[0]) * step / total, f"{label} {step}/{total}")
            _check(should_stop)
            if step == total:
                on_progress(band[1], "Decoding")

        where = f"{work.size[0]}x{work.size[1]} x {len(seeds)} variants"
        out_of_memory = False
        try:
            return run_pass(self.pipe, self.nets, params, work, seeds, extra, on_step)
        except (StopRequested, BadInput):
            raise
        except torch.cuda.OutOfMemoryError:
            out_of_memory = True
        except Exception as exc:
            raise GenerationFailed(f"sdxl pipeline failed at {where}: {exc}") from exc
        finally:
            self.pipe.controlnet = self.all_nets
        if out_of_memory:
            # Freed outside the except block, which would otherwise keep the failed frames alive.
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        raise GpuOutOfMemory(f"GPU out of memory at {where}")


def _check(should_stop: StopCheck) -> None:
    if should_stop():
        raise StopRequested("stop requested")
