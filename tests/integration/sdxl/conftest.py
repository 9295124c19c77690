"""Tiny random-weight models on disk, and sdxl generators loaded from them by production code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.sdxl import tiny_settings
from tests.support.tiny_models import TinyModels, build_tiny_models


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    """Every tiny model, built once per test session."""
    return build_tiny_models(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="session")
def sdxl_generator(tiny_models: TinyModels) -> Any:
    """The sdxl generator on tiny models, geometric mask (no segmentation model)."""
    from worker.generators.sdxl import SdxlGenerator

    return SdxlGenerator.from_settings(tiny_settings(tiny_models))


@pytest.fixture(scope="session")
def dry_run_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The GPU check's dry-run models (bench/gpu_models.py, tiny configs): the SdxlSettings model
    ids pointing at them, the LoRA and IP-Adapter included."""
    from bench.gpu_configs import TINY
    from bench.gpu_models import save_models

    return save_models(tmp_path_factory.mktemp("dry-run-models"), TINY, device="cpu")
