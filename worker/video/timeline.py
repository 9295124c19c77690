"""When each frame of a reveal video shows what: a hold on the original, the wipe, a hold on
the staged photo, for every photo in turn, fitted into the length a video may have."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

FPS = 30
MAX_ONE_PHOTO_S = 15.0
"""A one-photo video is a short reveal for a post or a story."""
MAX_LISTING_S = 60.0
"""A listing video fits the shortest of the social sites' limits."""
HOLD_BEFORE_S = 0.8
WIPE_S = 2.4
HOLD_AFTER_S = 1.8
MIN_PHOTO_S = 2.0
"""Below this a photo's reveal is too quick to see: a listing longer than that is refused."""


@dataclass(frozen=True)
class Beat:
    """One photo's share of the video, in frames."""

    hold_before: int
    wipe: int
    hold_after: int

    @property
    def frames(self) -> int:
        return self.hold_before + self.wipe + self.hold_after


def max_photos() -> int:
    """The most photos one listing video can show."""
    return int(MAX_LISTING_S // MIN_PHOTO_S)


def plan(photos: int) -> Beat:
    """The beat every photo gets: the full one when it fits, else all three parts shortened."""
    if photos < 1:
        raise ValueError("a reveal video needs at least one photo")
    if photos > max_photos():
        raise ValueError(
            f"a reveal video shows at most {max_photos()} photos ({MAX_LISTING_S:g} s); "
            f"got {photos}"
        )
    full_s = HOLD_BEFORE_S + WIPE_S + HOLD_AFTER_S
    limit_s = MAX_ONE_PHOTO_S if photos == 1 else MAX_LISTING_S
    scale = min(1.0, limit_s / (photos * full_s))
    return Beat(
        hold_before=max(1, int(HOLD_BEFORE_S * scale * FPS)),
        wipe=max(2, int(WIPE_S * scale * FPS)),
        hold_after=max(1, int(HOLD_AFTER_S * scale * FPS)),
    )


def _ease(t: float) -> float:
    """Slow start, slow finish: the wipe moves like a hand dragging the slider."""
    return t * t * (3 - 2 * t)


def divider_positions(beat: Beat) -> Iterator[float]:
    """Per frame of one photo: where the staged photo begins, as a fraction of the width.

    1.0 shows only the original, 0.0 only the staged photo; the staged photo comes in from the
    right, as on the share page's slider when it is dragged to the left.
    """
    yield from (1.0 for _ in range(beat.hold_before))
    for frame in range(beat.wipe):
        yield 1.0 - _ease(frame / (beat.wipe - 1))
    yield from (0.0 for _ in range(beat.hold_after))
