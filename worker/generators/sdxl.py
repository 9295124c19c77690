"""The production generator: SDXL + ControlNet inpainting of the floor, pasted back exactly."""

from __future__ import annotations

import gc
import logging
from typing import Any

import numpy as np
from PIL import Image

from core.settings import SdxlSettings, Settings
from worker.generators.base import (
    BadInput,
    GenerationRequest,
    GenerationResult,
    ProgressCallback,
    StopCheck,
    StopRequested,
    variant_seeds,
)
from worker.generators.buckets import nearest_bucket
from worker.generators.sdxl_adapters import Adapters
from worker.generators.sdxl_params import JobParams, job_params
from worker.generators.sdxl_pipeline import (
    control_kinds,
    load_pipeline,
    make_schedulers,
    resolve_device,
    resolve_dtype,
)
from worker.generators.sdxl_removal import generate_with_removal
from worker.overlay import paste_back, photo_mask
from worker.postprocess import draw_label
from worker.vision.control import DepthEstimator, LineDetector
from worker.vision.mask import Segmenter, geometric_mask, mask_image, staging_mask

log = logging.getLogger(__name__)

DENOISE_START, DENOISE_END = 0.1, 0.95
"""The share of job progress that denoising covers (segmentation and depth come before)."""


class GpuOutOfMemory(Exception):
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
    ) -> None:
        self.settings = settings
        self.pipe = pipe
        self.device = device
        self.segmenter = segmenter
        self.depth = depth
        self.lines = lines
        self.controls = control_kinds(settings)
        self.schedulers = make_schedulers(pipe.scheduler.config)
        self.adapters = Adapters(pipe, settings, device=device)
        self.gpu_name: str | None = None
        self.gpu_memory_mb: int | None = None
        if device.startswith("cuda"):
            import torch

            props = torch.cuda.get_device_properties(device)
            self.gpu_name, self.gpu_memory_mb = props.name, props.total_memory // 2**20

    @classmethod
    def from_settings(cls, settings: Settings) -> SdxlGenerator:
        """Load every model once (from the HF cache or local dirs), then warm up if compiling."""
        s = settings.sdxl
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
        )
        if s.compile and s.warmup:
            generator.warm_up()
        return generator

    def warm_up(self) -> None:
        """One small generation so torch.compile has traced before the first job."""
        image = Image.new("RGB", (1024, 768), (200, 190, 180))
        style = {"prompt": "a {room_type}", "params": {"steps": 2}}
        request = GenerationRequest(0, image, "living_room", style, variants=1, seed=0)
        self.generate(request, lambda fraction, stage: None, lambda: False)

    def generate(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult:
        """Stage the photo's floor in N variants; every pixel outside the mask stays the input's."""
        if request.variants < 1:
            raise BadInput("variants must be at least 1")
        if request.mode.removes:  # declutter and restage (issue 9)
            return generate_with_removal(self, request, on_progress, should_stop)
        params = job_params(
            request.style,
            request.room_type,
            self.settings,
            fast_tier_loaded=bool(self.settings.lightning_lora_model),
        )
        photo = request.image.convert("RGB")
        width, height = nearest_bucket(
            *photo.size,
            target_pixels=self.settings.target_pixels,
            multiple=self.settings.bucket_multiple,
        )
        work = photo.resize((width, height), Image.Resampling.LANCZOS)
        mask = self._mask(work, params, on_progress, should_stop)
        controls, scales = self._controls(work, params, on_progress, should_stop)
        seeds = variant_seeds(request.seed, request.variants)
        images = self._run(
            request, params, work, mask, controls, scales, seeds, on_progress, should_stop
        )
        on_progress(0.97, "Compositing")
        binary = photo_mask(mask, photo.size)
        feather_px = round(self.settings.mask_feather_fraction * min(photo.size))
        clean = [paste_back(photo, image, binary, feather_px=feather_px) for image in images]
        result = GenerationResult(images=clean, seeds=seeds, mask=mask_image(binary))
        if self.settings.label_enabled:
            result.clean_images = clean
            result.images = [
                draw_label(
                    image,
                    self.settings.label_text,
                    position=self.settings.label_position,
                    size_fraction=self.settings.label_size_fraction,
                )
                for image in clean
            ]
        return result

    def _mask(
        self,
        work: Image.Image,
        params: JobParams,
        on_progress: ProgressCallback,
        should_stop: StopCheck,
    ) -> np.ndarray:
        _check(should_stop)
        on_progress(0.02, "Segmenting")
        if self.segmenter is None:
            return geometric_mask(*work.size, floor_fraction=self.settings.fallback_floor_fraction)
        mask = staging_mask(
            self.segmenter.labels(work),
            self.segmenter.id2label,
            protected=params.protected,
            wall_band_fraction=self.settings.wall_band_fraction,
            dilate_px=round(self.settings.mask_dilate_fraction * min(work.size)),
        )
        if not mask.any():
            raise BadInput("no floor to stage was found in the photo")
        return mask

    def _controls(
        self,
        work: Image.Image,
        params: JobParams,
        on_progress: ProgressCallback,
        should_stop: StopCheck,
    ) -> tuple[list[Image.Image], list[float]]:
        images, scales = [], []
        for kind in self.controls:
            _check(should_stop)
            scale = params.depth_scale if kind == "depth" else params.mlsd_scale
            annotator = self.depth if kind == "depth" else self.lines
            if scale > 0 and annotator is not None:
                on_progress(
                    0.05 if kind == "depth" else 0.08, "Depth" if kind == "depth" else "Lines"
                )
                images.append(annotator(work))
            else:
                # A ControlNet at scale 0 adds nothing; a black image avoids running its annotator.
                images.append(Image.new("RGB", work.size))
            scales.append(scale)
        return images, scales

    def _run(
        self,
        request: GenerationRequest,
        params: JobParams,
        work: Image.Image,
        mask: np.ndarray,
        controls: list[Image.Image],
        scales: list[float],
        seeds: list[int],
        on_progress: ProgressCallback,
        should_stop: StopCheck,
    ) -> list[Image.Image]:
        import torch

        _check(should_stop)
        pipe = self.pipe
        pipe.scheduler = self.schedulers[params.scheduler]
        extra = self.adapters.prepare(request, params)

        def on_step(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            total = pipe.num_timesteps
            fraction = DENOISE_START + (DENOISE_END - DENOISE_START) * (step + 1) / total
            on_progress(fraction, f"Denoising {step + 1}/{total}")
            _check(should_stop)
            if step + 1 == total:
                on_progress(DENOISE_END, "Decoding")
            return {}

        where = f"{work.width}x{work.height} x {len(seeds)} variants"
        out_of_memory = False
        try:
            output = pipe(
                prompt=params.prompt,
                negative_prompt=params.negative_prompt,
                image=work,
                mask_image=mask_image(mask),
                control_image=controls,
                controlnet_conditioning_scale=scales,
                control_guidance_end=params.control_end,
                height=work.height,
                width=work.width,
                strength=params.strength,
                num_inference_steps=params.steps,
                guidance_scale=params.guidance_scale,
                num_images_per_prompt=len(seeds),
                generator=[torch.Generator("cpu").manual_seed(seed) for seed in seeds],
                callback_on_step_end=on_step,
                output_type="pil",
                **extra,
            )
        except (StopRequested, BadInput):
            raise
        except torch.cuda.OutOfMemoryError:
            out_of_memory = True
        except Exception as exc:
            raise GenerationFailed(f"sdxl pipeline failed at {where}: {exc}") from exc
        if out_of_memory:
            # Freed outside the except block, which would otherwise keep the failed frames alive.
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise GpuOutOfMemory(f"GPU out of memory at {where}")
        return list(output.images)


def _check(should_stop: StopCheck) -> None:
    if should_stop():
        raise StopRequested("stop requested")
