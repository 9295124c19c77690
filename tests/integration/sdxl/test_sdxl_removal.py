"""Declutter and restage on the sdxl path (tiny models): what is removed, what stays exact."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from jobs.models import JobMode
from tests.support.sdxl import counting, request, run, tiny_settings
from tests.support.tiny_models import TinyModels, upernet
from worker.generators.base import BadInput, variant_seeds
from worker.vision.ade20k import ADE20K_LABELS, PROTECTED_CLASSES
from worker.vision.mask import Segmenter
from worker.vision.removal import removal_mask

ID2LABEL = dict(enumerate(ADE20K_LABELS))
ID = {name: index for index, name in ID2LABEL.items()}
Box = tuple[float, float, float, float]


class DrawnSegmenter(Segmenter):
    """Segmentation the test draws: floor below 60%, wall above, and the given boxes."""

    id2label = ID2LABEL

    def __init__(self, boxes: dict[str, Box]) -> None:
        self.boxes = boxes

    def labels(self, image: Image.Image) -> np.ndarray:
        width, height = image.size
        labels = np.full((height, width), ID["wall"])
        labels[round(0.6 * height) :] = ID["floor"]
        for name, (x0, y0, x1, y1) in self.boxes.items():
            labels[
                round(y0 * height) : round(y1 * height), round(x0 * width) : round(x1 * width)
            ] = ID[name]
        return labels


FURNISHED = {"sofa": (0.25, 0.45, 0.75, 0.85), "windowpane": (0.35, 0.2, 0.6, 0.5)}


@pytest.fixture(scope="module")
def generator(tiny_models: TinyModels) -> Any:
    from worker.generators.sdxl import SdxlGenerator

    gen = SdxlGenerator.from_settings(tiny_settings(tiny_models, removal_dilate_fraction=0.08))
    gen.segmenter = DrawnSegmenter(FURNISHED)
    return gen


def test_removal_mask_takes_furniture_dilated_and_keeps_protected_classes() -> None:
    labels = DrawnSegmenter(FURNISHED).labels(Image.new("RGB", (100, 100)))
    sofa = labels == ID["sofa"]
    window = labels == ID["windowpane"]
    mask = removal_mask(labels, ID2LABEL, protected=PROTECTED_CLASSES, dilate_px=6)
    assert mask[sofa].all() and mask.sum() > sofa.sum()  # grown over the sofa's edges
    assert not mask[window].any()  # the window beside the sofa stays, dilation or not
    assert not mask[:40, :20].any()  # bare wall far from any furniture
    unprotected = removal_mask(labels, ID2LABEL, protected=frozenset(), dilate_px=6)
    assert unprotected[window].any()  # only the protected list keeps the window
    keep_sofa = removal_mask(labels, ID2LABEL, protected=frozenset({"sofa"}), dilate_px=6)
    assert not keep_sofa.any()


def test_declutter_changes_only_the_removal_mask(generator: Any) -> None:
    req = request(mode=JobMode.DECLUTTER, variants=2)
    result, progress = run(generator, req)
    assert result.seeds == variant_seeds(req.seed, 2)
    mask = np.asarray(result.mask) > 127
    assert np.array_equal(mask, np.asarray(result.removal_mask) > 127)
    photo = np.asarray(req.image)
    width, height = req.image.size
    sofa = (
        slice(round(0.5 * height), round(0.8 * height)),
        slice(round(0.3 * width), round(0.7 * width)),
    )
    assert mask[sofa].all()
    window = (
        slice(round(0.25 * height), round(0.45 * height)),
        slice(round(0.4 * width), round(0.55 * width)),
    )
    assert not mask[window].any()
    for image in result.images:
        pixels = np.asarray(image)
        assert np.array_equal(pixels[~mask], photo[~mask])  # bit-identical outside
        assert (pixels[mask] != photo[mask]).any()
    assert "Finding furniture" in [stage for _, stage in progress]


def test_restage_removes_then_stages(generator: Any) -> None:
    declutter, _ = run(generator, request(mode=JobMode.DECLUTTER, variants=1))
    restage, progress = run(generator, request(mode=JobMode.RESTAGE, variants=2))
    removed = np.asarray(restage.removal_mask) > 127
    union = np.asarray(restage.mask) > 127
    assert np.array_equal(removed, np.asarray(declutter.mask) > 127)
    assert union[removed].all() and union.sum() > removed.sum()
    assert restage.seeds == variant_seeds(1234, 2)
    photo = np.asarray(request().image)
    for image in restage.images:
        assert np.array_equal(np.asarray(image)[~union], photo[~union])
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] < 1


def test_nothing_to_remove(generator: Any) -> None:
    empty_room = DrawnSegmenter({"windowpane": (0.35, 0.2, 0.6, 0.5)})
    furnished, generator.segmenter = generator.segmenter, empty_room
    try:
        with pytest.raises(BadInput, match="no furniture"):
            run(generator, request(mode=JobMode.DECLUTTER))
        restage, _ = run(generator, request(mode=JobMode.RESTAGE, variants=1))
        stage, _ = run(generator, request(mode=JobMode.STAGE, variants=1))
        assert restage.images[0].tobytes() == stage.images[0].tobytes()
    finally:
        generator.segmenter = furnished


def test_declutter_needs_segmentation(sdxl_generator: Any) -> None:
    with pytest.raises(BadInput, match="SDXL_SEGMENTATION_MODEL"):
        run(sdxl_generator, request(mode=JobMode.DECLUTTER))


def test_real_segmenter_that_sees_only_a_sofa_empties_everything(
    tiny_models: TinyModels, tmp_path: Path
) -> None:
    from worker.generators.sdxl import SdxlGenerator

    upernet(tmp_path / "sofa", force="sofa")
    settings = tiny_settings(tiny_models, segmentation_model=str(tmp_path / "sofa"), steps=2)
    gen = SdxlGenerator.from_settings(settings)
    result, _ = run(gen, dataclasses.replace(request(variants=1), mode=JobMode.DECLUTTER))
    assert np.asarray(result.mask).min() == 255


def test_declutter_runs_the_crop_detail_and_colour_path_and_keeps_every_other_pixel(
    generator: Any,
) -> None:
    """A photo larger than the crop's first pass: the removal is generated on the furniture's
    crop, detailed and colour matched like a staging, and pasted back only inside its mask."""
    from tests.factories import room_photo

    req = request(image=room_photo(640, 480), mode=JobMode.DECLUTTER, variants=2)
    result, progress = run(generator, req)
    assert set(result.timings) == {
        "removal_segmentation", "removal_control", "removal", "removal_detail",
        "removal_colour", "removal_paste",
    }  # fmt: skip
    stages = [stage for _, stage in progress]
    assert any(s.startswith("Removing ") for s in stages) and "Detail 1/1" in stages
    assert stages[-2:] == ["Colour matching", "Compositing"]
    mask = np.asarray(result.removal_mask) > 127
    photo = np.asarray(req.image)
    for image in result.images:
        assert image.size == (640, 480)
        pixels = np.asarray(image)
        assert np.array_equal(pixels[~mask], photo[~mask])
        assert (pixels[mask] != photo[mask]).any()
    assert result.images[0].tobytes() != result.images[1].tobytes()


@pytest.mark.parametrize("mlsd", [False, True])
def test_the_removal_pass_runs_no_controlnet_at_scale_0(
    tiny_models: TinyModels, mlsd: bool
) -> None:
    """Depth is off in the removal pass: with only a depth ControlNet (production's default) no
    net runs there; with MLSD too, only MLSD runs (on lines blanked inside the mask)."""
    from worker.generators.sdxl import SdxlGenerator

    model = str(tiny_models.controlnet_mlsd) if mlsd else ""
    settings = tiny_settings(tiny_models, controlnet_mlsd_model=model, removal_dilate_fraction=0.08)
    gen = SdxlGenerator.from_settings(settings)
    gen.segmenter = DrawnSegmenter(FURNISHED)
    with counting(gen) as calls:
        run(gen, request(mode=JobMode.DECLUTTER, variants=1))
    assert calls[("unet", "removal")] == 4
    assert calls[("depth", "removal")] == 0
    assert calls[("mlsd", "removal")] == (3 if mlsd else 0)
