"""Generators: `preview` (CPU) and `sdxl` (GPU, imported only when chosen)."""

from __future__ import annotations

from core.settings import GeneratorName, Settings
from worker.generators.base import Generator


def build_generator(settings: Settings) -> Generator:
    """The generator the settings name, built once per worker process."""
    if settings.generator is GeneratorName.SDXL:
        from worker.generators.sdxl import SdxlGenerator

        return SdxlGenerator.from_settings(settings)
    from worker.generators.preview import PreviewGenerator

    return PreviewGenerator(step_delay_s=settings.preview_step_delay_s)
