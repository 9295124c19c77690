"""Style params merged over SdxlSettings, and invalid ones refused as BadInput."""

from __future__ import annotations

import pytest

from catalog.prompts import compose_prompt
from core.settings import SdxlSettings
from worker.generators.base import BadInput
from worker.generators.sdxl_params import item_params, job_params
from worker.vision.ade20k import PROTECTED_CLASSES


def test_style_overrides_settings_and_prompt_names_the_room() -> None:
    style = {
        "prompt": "a {room_type} in oak",
        "negative_prompt": "clutter",
        "params": {"steps": 12, "scheduler": "euler", "depth_scale": 0.3, "palette": "ignored"},
    }
    params = job_params(style, "kids_room", SdxlSettings(), fast_tier_loaded=False)
    assert params.prompt.startswith(
        "a kids' room with a single bed, a low toy chest, a small table with chairs and a play rug"
        " in oak, "
    )
    assert params.negative_prompt.startswith("clutter, ")
    assert (params.steps, params.scheduler, params.depth_scale) == (12, "euler", 0.3)
    assert params.guidance_scale == SdxlSettings().guidance_scale
    assert params.protected == PROTECTED_CLASSES


def test_prompt_without_placeholder_is_prefixed() -> None:
    assert compose_prompt("scandinavian, light wood", "home_office") == (
        "home office with a desk with an office chair, a low bookcase and an area rug, "
        "scandinavian, light wood"
    )


def test_fast_tier_uses_lightning_steps_without_guidance_only_when_loaded() -> None:
    style = {
        "prompt": "x",
        "params": {"fast_tier": True, "steps": 8, "guidance_scale": 2, "scheduler": "euler_a"},
    }
    fast = job_params(style, "bedroom", SdxlSettings(), fast_tier_loaded=True)
    assert (fast.steps, fast.guidance_scale, fast.scheduler) == (8, 0.0, "lightning")
    assert not fast.fast_tier_unavailable
    # Without the LoRA the style's fast-tier steps and guidance would give a poor image: the
    # worker's standard tier runs instead, and says so.
    slow = job_params(style, "bedroom", SdxlSettings(), fast_tier_loaded=False)
    assert (slow.steps, slow.guidance_scale, slow.scheduler) == (30, 6.0, "dpmpp_2m_karras")
    assert not slow.fast_tier and slow.fast_tier_unavailable


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"steps": 0}, "steps"),
        ({"guidance_scale": 99}, "guidance_scale"),
        ({"scheduler": "nope"}, "scheduler"),
        ({"strength": 0.01, "steps": 10}, "no step"),
        ({"protected_classes": ["unicorn"]}, "unicorn"),
        ({"protected_classes": "floor"}, "protected_classes"),
    ],
)
def test_invalid_params_are_bad_input(params: dict, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        job_params(
            {"prompt": "x", "params": params}, "bedroom", SdxlSettings(), fast_tier_loaded=False
        )


def test_an_add_asks_for_the_piece_in_the_room_and_the_style() -> None:
    """The piece leads; the style's phrases follow, naming the room without its furniture and,
    in a wet room, without textiles; every other parameter is the staging's."""
    style = {"prompt": "a {room_type} in oak, linen cushions, warm light", "params": {"steps": 9}}
    settings = SdxlSettings(prompt_suffix="photo")
    staging = job_params(style, "bathroom", settings, fast_tier_loaded=False)
    params = item_params(staging, "a woven towel basket", style, "bathroom", settings)
    assert params.prompt == "a woven towel basket, a bathroom in oak, warm light, photo"
    assert params.steps == 9 and params.negative_prompt == staging.negative_prompt
    living = item_params(staging, "a fig tree", {"prompt": "oak, {furniture}"}, "living_room",
                         SdxlSettings(prompt_suffix=""))  # fmt: skip
    assert living.prompt == "a fig tree, in a living room, oak"
    both = item_params(staging, "a stool", {"prompt": "a {room_type} with {furniture}, teak"},
                       "kitchen", SdxlSettings(prompt_suffix=""))  # fmt: skip
    assert both.prompt == "a stool, in a kitchen, teak"
