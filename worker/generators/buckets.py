"""SDXL resolution buckets: multiples of 64 at about a target pixel count."""

from __future__ import annotations

import math


def buckets(target_pixels: int, multiple: int = 64) -> list[tuple[int, int]]:
    """Every (width, height) in multiples of `multiple` whose area is nearest target_pixels."""
    result = []
    for width in range(multiple, target_pixels // multiple + 1, multiple):
        height = max(multiple, round(target_pixels / width / multiple) * multiple)
        result.append((width, height))
    return result


def nearest_bucket(
    width: int, height: int, *, target_pixels: int, multiple: int = 64
) -> tuple[int, int]:
    """The bucket whose aspect ratio is nearest the photo's (ties: area nearest the target)."""
    aspect = math.log(width / height)
    return min(
        buckets(target_pixels, multiple),
        key=lambda b: (
            round(abs(math.log(b[0] / b[1]) - aspect), 6),
            abs(b[0] * b[1] - target_pixels),
        ),
    )
