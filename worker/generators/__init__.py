"""Generators: `preview` (CPU) and `sdxl` (GPU, imported only when chosen)."""

from __future__ import annotations

from core.settings import GeneratorName, Settings
from worker.generators.base import Generator


def build_generator(settings: Settings) -> Generator:
    """The generator the settings name, behind the quality gate, built once per worker process."""
    from worker.quality.gate import QualityGate
    from worker.quality.variant_scores import VariantScorer

    if settings.generator is GeneratorName.SDXL:
        from worker.generators.sdxl import SdxlGenerator
        from worker.quality.scorers import ClipScorer

        sdxl = SdxlGenerator.from_settings(settings)
        model = sdxl.settings.quality_clip_model  # pinned: its cached snapshot
        clip = ClipScorer.from_pretrained(model, device=sdxl.device) if model else None
        scorer = VariantScorer(
            sdxl.segmenter,
            clip.similarities if clip else None,
            feather_fraction=settings.sdxl.mask_feather_fraction,
        )
        return QualityGate(
            sdxl,
            scorer,
            max_rerolls=settings.quality_max_rerolls,
            max_gpu_s=settings.quality_max_gpu_s,
            guess_room=sdxl.guess_room_type,
        )
    from worker.generators.preview import PreviewGenerator

    preview = PreviewGenerator(step_delay_s=settings.preview_step_delay_s)
    return QualityGate(
        preview,
        VariantScorer(),
        max_rerolls=settings.quality_max_rerolls,
        max_gpu_s=settings.quality_max_gpu_s,
    )
