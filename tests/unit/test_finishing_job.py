"""Finishing jobs on the preview generator: each mode's pass, the best-matching skies, a photo
without sky refused, and the photo auto-enhanced before a staging when the job asks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from catalog.generated_skies import LOOKS, generated_sky_jpeg
from jobs.models import JobMode
from tests.support.finishing_scenes import exterior, luma, room, underexposed, warm_cast
from worker.finishing_job import best_skies, enhanced_first
from worker.generators.base import BadInput, GenerationRequest, LibrarySky
from worker.generators.preview import LABEL, LABEL_POSITION, LABEL_SIZE_FRACTION, PreviewGenerator
from worker.postprocess import label_box

SIZE = (480, 320)


def _sky(look: int) -> LibrarySky:
    import io

    image = Image.open(io.BytesIO(generated_sky_jpeg(look, (480, 320)))).convert("RGB")
    return LibrarySky(look, LOOKS[look].name, image, lambda: image)


def _run(mode: JobMode, photo: np.ndarray, *, variants: int = 1, skies=()):
    request = GenerationRequest(
        1, Image.fromarray(photo), "patio", {}, variants, 7, mode=mode, skies=list(skies)
    )
    return PreviewGenerator(step_delay_s=0).generate(request, lambda f, s: None, lambda: False)


def _outside_label(size: tuple[int, int]) -> np.ndarray:
    keep = np.ones(size[::-1], dtype=bool)
    left, top, right, bottom = label_box(
        size, LABEL, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION
    )
    keep[int(top) : int(bottom) + 1, int(left) : int(right) + 1] = False
    return keep


def test_enhance_brightens_an_underexposed_photo_and_is_labelled_preview():
    photo, _ = exterior(*SIZE)
    dark = underexposed(photo, 0.45)
    result = _run(JobMode.ENHANCE, dark)
    enhanced = np.asarray(result.images[0])
    assert result.mask is None and len(result.seeds) == 1
    assert luma(enhanced)[_outside_label(SIZE)].mean() > luma(dark).mean() + 0.1
    assert not np.array_equal(enhanced[~_outside_label(SIZE)], dark[~_outside_label(SIZE)])


def test_sky_replacement_changes_the_sky_and_leaves_the_house_alone():
    photo, truth = exterior(*SIZE)
    result = _run(JobMode.SKY, photo, skies=[_sky(1)])
    image = np.asarray(result.images[0]).astype(int)
    changed = np.asarray(result.mask) > 0
    assert changed[truth].mean() > 0.95  # the whole true sky is replaced
    keep = ~changed & _outside_label(SIZE)
    assert np.array_equal(image[keep], photo[keep].astype(int))
    sky = image[truth & ~np.roll(truth, 8, axis=0) | truth][:2000]
    assert sky[:, 2].mean() > sky[:, 0].mean() + 25  # the clear blue sky, not the pale one


def test_with_no_sky_chosen_each_variant_is_another_of_the_best_matching_skies():
    photo, _ = exterior(*SIZE)
    result = _run(JobMode.SKY, photo, variants=2, skies=[_sky(n) for n in LOOKS])
    first, second = (np.asarray(image, dtype=int) for image in result.images)
    assert np.abs(first - second).mean() > 2


def test_the_best_matching_sky_follows_the_light_on_the_scene():
    photo, truth = exterior(*SIZE)
    skies = [_sky(n) for n in LOOKS]
    alpha = truth.astype(np.float32)
    golden = warm_cast(photo, (1.0, 0.78, 0.55))
    assert best_skies(Image.fromarray(golden), alpha, skies)[0].name == "Golden hour"
    assert best_skies(Image.fromarray(photo), alpha, skies)[0].name != "Golden hour"
    # Deterministic: the same photo always ranks the skies the same way.
    ranks = {tuple(s.id for s in best_skies(Image.fromarray(photo), alpha, skies)) for _ in "ab"}
    assert len(ranks) == 1


def test_twilight_is_darker_with_a_dusk_sky():
    photo, truth = exterior(*SIZE)
    dusk = np.asarray(_run(JobMode.TWILIGHT, photo).images[0]).astype(int)
    ground = ~truth & _outside_label(SIZE)
    assert luma(dusk)[ground].mean() < 0.6 * luma(photo)[ground].mean()
    top = dusk[2:10, 200:280].reshape(-1, 3)
    assert top[:, 2].mean() > top[:, 0].mean() + 30


@pytest.mark.parametrize("mode", [JobMode.SKY, JobMode.TWILIGHT])
def test_a_photo_without_sky_is_a_bad_input(mode):
    indoors = room(*SIZE).rgb.copy()
    indoors[:40] = (150, 110, 74)  # a dark wooden ceiling: nothing sky-like at the top
    with pytest.raises(BadInput, match="no open sky"):
        _run(mode, indoors, skies=[_sky(1)])


def test_enhance_first_replaces_the_photo_only_when_asked():
    dark = Image.fromarray(underexposed(exterior(*SIZE)[0], 0.45))
    request = GenerationRequest(1, dark, "living_room", {}, 1, 3)
    assert enhanced_first(request, False) is request
    brighter = enhanced_first(request, True).image
    assert luma(np.asarray(brighter)).mean() > luma(np.asarray(dark)).mean() + 0.1
