"""Segmentation, depth and MLSD loaded from tiny saved models by the production loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.factories import room_photo
from tests.support.sdxl import tiny_settings
from tests.support.tiny_models import TinyModels, ade_id2label, segformer, upernet
from worker.generators.base import BadInput, GenerationRequest
from worker.vision.ade20k import ADE20K_LABELS

SHUFFLED = list(reversed(ADE20K_LABELS))


ARCHITECTURES = {"upernet": upernet, "segformer": segformer}


@pytest.fixture(scope="module")
def forced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny UperNets and SegFormers (labels reversed) whose logits force one class everywhere."""
    root = tmp_path_factory.mktemp("forced-seg")
    paths = {}
    for arch, build in ARCHITECTURES.items():
        for name in ("floor", "windowpane"):
            build(root / arch / name, id2label=ade_id2label(SHUFFLED), force=name)
            paths[f"{arch}/{name}"] = root / arch / name
    return paths


def test_default_architecture_segments_at_the_image_size(tiny_models: TinyModels) -> None:
    from worker.vision.mask import Segmenter

    segmenter = Segmenter.from_pretrained(str(tiny_models.segmentation), device="cpu")
    assert type(segmenter.model).__name__ == "UperNetForSemanticSegmentation"
    labels = segmenter.labels(room_photo(70, 50))
    assert labels.shape == (50, 70) and set(np.unique(labels)) <= set(segmenter.id2label)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_forced_logits_map_to_classes_by_name(forced: dict[str, Path], arch: str) -> None:
    from worker.vision.mask import Segmenter

    segmenter = Segmenter.from_pretrained(str(forced[f"{arch}/windowpane"]), device="cpu")
    labels = segmenter.labels(room_photo(70, 50))
    assert labels.shape == (50, 70)
    assert {segmenter.id2label[int(i)] for i in np.unique(labels)} == {"windowpane"}


def staging(generator: Any, params: dict) -> Any:
    style = {"prompt": "a {room_type}", "params": params}
    request = GenerationRequest(1, room_photo(96, 64), "bedroom", style, variants=1, seed=3)
    return generator.generate(request, lambda f, s: None, lambda: False)


def test_generator_stages_segmented_floor_and_refuses_a_photo_without_one(
    tiny_models: TinyModels, forced: dict[str, Path]
) -> None:
    from worker.generators.sdxl import SdxlGenerator

    floor = SdxlGenerator.from_settings(
        tiny_settings(tiny_models, segmentation_model=str(forced["upernet/floor"]), steps=2)
    )
    assert np.asarray(staging(floor, {}).mask).min() == 255
    with pytest.raises(BadInput, match="no floor"):
        staging(floor, {"protected_classes": ["floor"]})
    floor.segmenter = SdxlGenerator.from_settings(
        tiny_settings(tiny_models, segmentation_model=str(forced["upernet/windowpane"]), steps=2)
    ).segmenter
    with pytest.raises(BadInput, match="no floor"):
        staging(floor, {})


def test_control_images_have_the_working_size(tiny_models: TinyModels) -> None:
    from worker.vision.control import DepthEstimator, LineDetector

    image = room_photo(128, 64)
    depth = DepthEstimator.from_pretrained(str(tiny_models.depth), device="cpu")(image)
    lines = LineDetector.from_pretrained(str(tiny_models.mlsd), device="cpu", resolution=64)(image)
    assert depth.size == lines.size == (128, 64)
    assert depth.mode == lines.mode == "RGB"
    values = np.asarray(depth)
    assert values.min() == 0 and values.max() == 255


def test_warm_up_needs_no_floor_and_keeps_the_segmenter(
    tiny_models: TinyModels, forced: dict[str, Path]
) -> None:
    from worker.generators.sdxl import SdxlGenerator

    generator = SdxlGenerator.from_settings(
        tiny_settings(tiny_models, segmentation_model=str(forced["upernet/windowpane"]), steps=2)
    )
    generator.warm_up()  # a flat grey image: a real segmenter finds no floor in it
    with pytest.raises(BadInput, match="no floor"):
        staging(generator, {})
