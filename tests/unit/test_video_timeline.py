"""The reveal video's timeline: every photo's beat, and the lengths a video may have."""

from __future__ import annotations

import itertools

import pytest

from worker.video.timeline import (
    FPS,
    MAX_LISTING_S,
    MAX_ONE_PHOTO_S,
    divider_positions,
    max_photos,
    plan,
)


def test_one_photo_gets_the_full_beat_within_its_limit():
    beat = plan(1)
    assert beat.frames / FPS <= MAX_ONE_PHOTO_S
    assert beat.hold_before > 0 and beat.wipe >= FPS and beat.hold_after > 0


@pytest.mark.parametrize("photos", [2, 12, 13, 20, 30])
def test_a_listing_never_runs_past_a_minute(photos):
    beat = plan(photos)
    assert beat.frames * photos / FPS <= MAX_LISTING_S
    assert beat.frames / FPS >= 1.9  # still long enough to see each reveal


def test_more_photos_than_fit_are_refused_and_none_is_refused():
    with pytest.raises(ValueError, match="at most 30 photos"):
        plan(max_photos() + 1)
    with pytest.raises(ValueError, match="at least one"):
        plan(0)


def test_the_divider_goes_from_the_original_to_the_staged_photo_without_turning_back():
    beat = plan(1)
    positions = list(divider_positions(beat))
    assert len(positions) == beat.frames
    assert positions[: beat.hold_before] == [1.0] * beat.hold_before
    assert positions[-beat.hold_after :] == [0.0] * beat.hold_after
    assert all(a >= b for a, b in itertools.pairwise(positions))
    wipe = positions[beat.hold_before : beat.hold_before + beat.wipe]
    assert wipe[0] == 1.0 and wipe[-1] == 0.0
    # Eased: the middle of the wipe moves faster than its ends.
    steps = [a - b for a, b in itertools.pairwise(wipe)]
    assert steps[len(steps) // 2] > 3 * steps[0]
