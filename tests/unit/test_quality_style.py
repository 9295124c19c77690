"""The style score: CLIP's view of the staged region, relative to the other styles' prompts.

The stand-in for CLIP really reads the image (its mean colour against the colours a text names),
so what the scorer crops and what it subtracts decide the numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from catalog.prompts import compose_prompt
from catalog.seed import load_seed_styles
from worker.generators.base import GenerationRequest, GenerationResult
from worker.quality.variant_scores import VariantScorer, other_style_prompts, staged_region

COLOURS = {"red": (200, 40, 40), "green": (40, 160, 60), "blue": (50, 80, 200)}
RED_STYLE = {"slug": "red", "prompt": "a {room_type} in red"}


class ColourWords:
    """Similarity of an image with a text: how near its mean colour is to a colour the text
    names (0 when it names none)."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def __call__(self, image: Image.Image, texts: list[str]) -> list[float]:
        self.sizes.append(image.size)
        mean = np.asarray(image.convert("RGB"), dtype=float).reshape(-1, 3).mean(axis=0)
        closeness = {
            word: 1 - float(np.linalg.norm(mean - rgb)) / 442 for word, rgb in COLOURS.items()
        }
        return [max((v for w, v in closeness.items() if w in text), default=0.0) for text in texts]


def _staging(floor: tuple[int, int, int], rest: tuple[int, int, int] = (50, 80, 200)):
    """A 320x240 result whose staged corner (rows 160-240, columns 0-120) is painted floor."""
    photo = Image.new("RGB", (320, 240), rest)
    pixels = np.asarray(photo).copy()
    mask = np.zeros((240, 320), dtype=bool)
    mask[160:, :120] = True
    pixels[mask] = floor
    result = GenerationResult(
        images=[Image.fromarray(pixels)], seeds=[1], mask=Image.fromarray(mask)
    )
    return GenerationRequest(1, photo, "living_room", RED_STYLE, 1, 1), result, mask


def test_style_is_read_on_the_staged_region_against_the_other_styles() -> None:
    clip = ColourWords()
    scorer = VariantScorer(clip=clip)
    (red_request, red_result, _), (green_request, green_result, _) = (
        _staging((200, 40, 40)),
        _staging((40, 160, 60)),
    )
    red = scorer(red_request, red_result, 0)["style"]
    green = scorer(green_request, green_result, 0)["style"]
    assert red > 0.5 > green
    # The staged corner grown to a square, not the blue room around it.
    assert clip.sizes == [(120, 120), (120, 120)]


def test_a_region_as_close_to_every_style_scores_zero() -> None:
    def any_room(image: Image.Image, texts: list[str]) -> list[float]:
        return [0.3] * len(texts)  # "this is a room photo", whatever the style

    request, result, _ = _staging((120, 120, 120))
    assert VariantScorer(clip=any_room)(request, result, 0)["style"] == pytest.approx(0, abs=1e-9)


def test_the_other_styles_are_the_seeded_ones_but_the_jobs_own() -> None:
    seeded = load_seed_styles()
    modern = next(style for style in seeded if style["slug"] == "modern")
    others = other_style_prompts(modern, "bedroom")
    assert len(others) == len(seeded) - 1
    assert compose_prompt(modern["prompt"], "bedroom") not in others
    assert all("bedroom" in prompt for prompt in others)
    assert len(other_style_prompts(RED_STYLE, "bedroom")) == len(seeded)


def test_the_staged_region_grows_to_a_square_inside_the_image() -> None:
    image = Image.new("RGB", (400, 300))
    mask = np.zeros((300, 400), dtype=bool)
    mask[200:, 50:390] = True  # a wide floor: 340x100
    assert staged_region(image, mask).size == (340, 300)
    mask[:] = False
    mask[280:, 380:] = True  # a corner: grown to 20x20 within the image
    assert staged_region(image, mask).size == (20, 20)
