"""The preview generator: size, determinism, mask-only changes, palette, label, stop."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories import room_photo
from worker.generators.base import GenerationRequest, StopRequested
from worker.generators.preview import (
    LABEL,
    LABEL_POSITION,
    LABEL_SIZE_FRACTION,
    PreviewGenerator,
    hex_to_rgb,
    staging_mask,
)
from worker.postprocess import label_box

PALETTE = ["#c0392b", "#27ae60", "#2980b9", "#f1c40f"]


def request(seed=5, variants=2, size=(160, 120), room_type="living_room"):
    return GenerationRequest(
        job_id=1,
        image=room_photo(*size),
        room_type=room_type,
        style={"palette": PALETTE},
        variants=variants,
        seed=seed,
    )


def generate(req, should_stop=lambda: False):
    progress = []
    result = PreviewGenerator(step_delay_s=0).generate(
        req, lambda fraction, stage: progress.append((fraction, stage)), should_stop
    )
    return result, progress


@pytest.mark.parametrize("room_type", ["living_room", "bedroom", "dining_room"])
def test_output_size_seeds_and_only_masked_pixels_change(room_type):
    req = request(room_type=room_type)
    result, _ = generate(req)
    assert len(result.images) == 2 and len(set(result.seeds)) == 2
    source = np.asarray(req.image)
    outside = np.asarray(result.mask) == 0
    for image in result.images:
        assert image.size == req.image.size
        staged = np.asarray(image)
        assert (staged[outside] == source[outside]).all()
        assert (staged[~outside] != source[~outside]).any()


def test_deterministic_per_seed_and_different_across_seeds():
    first, _ = generate(request(seed=5))
    again, _ = generate(request(seed=5))
    other, _ = generate(request(seed=6))
    assert [im.tobytes() for im in first.images] == [im.tobytes() for im in again.images]
    assert first.images[0].tobytes() != other.images[0].tobytes()


def test_palette_colours_are_used():
    result, _ = generate(request(variants=1))
    colours = {tuple(c) for c in np.asarray(result.images[0]).reshape(-1, 3)}
    # Flat faces of the furniture are drawn in the palette colours or their shades.
    shades = {
        tuple(int(min(255, channel * factor)) for channel in hex_to_rgb(hex_colour))
        for hex_colour in PALETTE
        for factor in (1.0, 1.15, 0.8)
    }
    assert len(colours & shades) >= 2


def test_label_is_drawn_inside_the_mask():
    req = request(variants=1)
    result, _ = generate(req)
    left, top, right, bottom = label_box(
        req.image.size, LABEL, position=LABEL_POSITION, size_fraction=LABEL_SIZE_FRACTION
    )
    mask = np.asarray(staging_mask(req.image.size))
    assert (mask[top:bottom, left:right] == 255).all()
    box = np.asarray(result.images[0])[top:bottom, left:right]
    assert (box.max(axis=2) >= 250).any() and (box.max(axis=2) <= 30).any()  # text on dark


def test_mask_is_the_bottom_of_the_image():
    mask = np.asarray(staging_mask((200, 100)))
    assert not mask[:59].any()
    assert mask[-1].all() and mask[75:].all()


def test_progress_rises_and_stop_is_honoured():
    _, progress = generate(request())
    fractions = [fraction for fraction, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 8
    calls = []

    def stop_after_three():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(StopRequested):
        generate(request(), should_stop=stop_after_three)


def test_a_small_variation_stays_closer_to_its_variant_than_a_fresh_seed():
    base, _ = generate(request(seed=5, variants=1, size=(320, 240)))
    fresh, _ = generate(request(seed=6, variants=1, size=(320, 240)))
    varied_request = request(seed=5, variants=2, size=(320, 240))
    varied_request.style["variation"] = 0.15
    varied, _ = generate(varied_request)

    def distance(a, b):
        return np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).mean()

    parent = base.images[0]
    for image in varied.images:
        assert 0 < distance(image, parent) < distance(fresh.images[0], parent) / 2
    assert distance(varied.images[0], varied.images[1]) > 0
