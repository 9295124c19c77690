"""Prompts composed per room type from floor-standing furniture, counted in real CLIP tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.models import ROOM_TYPES
from catalog.prompts import ROOM_FURNITURE, RUG, clip_tokens, compose_prompt, room_furniture
from catalog.validation import validate_style_fields
from core.errors import Invalid

STYLES = json.loads((Path(__file__).parents[2] / "catalog/data/styles.json").read_text())
OUT_OF_MASK = ("pendant", "chandelier", "curtain", "wall art", "canvas", "shelving", "lamp",
               "light fixture", "tree", "fig", "wall hanging", "string lights", "art ")  # fmt: skip


def test_clip_tokens_use_the_real_clip_vocabulary() -> None:
    from catalog.prompts import _tokenizer

    # OpenAI CLIP's ids for "a photo of a cat" (49406/49407 are the start and end tokens).
    assert _tokenizer().encode("a photo of a cat") == [320, 1125, 539, 320, 2368]
    assert clip_tokens("a photo of a cat") == 7


@pytest.mark.parametrize(
    ("room_type", "must"),
    [("bedroom", "bed"), ("dining_room", "dining table with chairs"), ("home_office", "desk"),
     ("living_room", "sofa"), ("patio", "outdoor")],
)  # fmt: skip
def test_each_room_type_gets_its_own_furniture(room_type: str, must: str) -> None:
    prompt = compose_prompt("a photo of a cosy {room_type}, oak", room_type)
    assert must in prompt and prompt.endswith(", oak")
    assert set(ROOM_FURNITURE) == set(ROOM_TYPES)


def test_a_template_can_place_the_furniture_itself() -> None:
    prompt = compose_prompt("{furniture} in a {room_type}", "bedroom")
    assert (
        prompt
        == "a made bed with two nightstands, a bench at its foot and an area rug in a bedroom"
    )
    assert prompt == f"{room_furniture('bedroom', with_rug=True)} in a bedroom"


def test_seeded_styles_ask_only_for_what_the_mask_can_hold() -> None:
    for style in STYLES:
        validate_style_fields(style)  # within 77 CLIP tokens for every room type
        prompt = style["prompt"].lower()
        assert not [word for word in OUT_OF_MASK if word in prompt], style["slug"]
        assert "sofa" not in prompt and "bed" not in prompt, style["slug"]
    for room_type in ROOM_FURNITURE:
        furniture = room_furniture(room_type, with_rug=True)
        assert not [word for word in OUT_OF_MASK if word in furniture]


def test_a_prompt_over_77_clip_tokens_is_refused_naming_the_room() -> None:
    style = dict(STYLES[0])
    style["prompt"] += ", hand-knotted wool rug in muted terracotta, brushed brass details"
    style["room_types"] = ["kids_room"]
    with pytest.raises(Invalid, match=r"^prompt: \d+ CLIP tokens for kids_room") as caught:
        validate_style_fields(style)
    assert caught.value.field == "prompt"
    assert "shorten it by" in str(caught.value)


def test_a_long_negative_prompt_is_refused() -> None:
    style = {**STYLES[0], "negative_prompt": ", ".join(["distorted perspective"] * 30)}
    with pytest.raises(Invalid, match=r"^negative_prompt: \d+ CLIP tokens"):
        validate_style_fields(style)


TEXTILES = ("velvet", "sheepskin", "knit", "upholster", "slipcover", "linen", "throw", "cushion",
            "pillow", "silk", "wool")  # fmt: skip
COMPOSED = [
    pytest.param(style, room_type, compose_prompt(style["prompt"], room_type),
                 id=f"{style['slug']}-{room_type}")
    for style in STYLES
    for room_type in ROOM_TYPES
]  # fmt: skip


@pytest.mark.parametrize(("style", "room_type", "prompt"), COMPOSED)
def test_every_seeded_style_and_room_type_follows_the_prompt_rules(style, room_type, prompt):
    """Every seeded style for every room type (a merchandiser may add any room type later)."""
    phrases = [phrase for phrase in prompt.split(",") if RUG.search(phrase)]
    assert len(phrases) <= 1, phrases  # one rug: the style's or the room's own
    assert len(RUG.findall(prompt)) <= 1, prompt
    if room_type in ("bathroom", "kitchen"):
        assert not [word for word in TEXTILES if word in prompt.lower()], prompt
        assert len(phrases) == 1  # the bath mat or the runner
    if room_type == "patio":
        assert "shrub" not in prompt and "low planters" in prompt
        assert not [word for word in ("velvet", "silk", "sheepskin", "knit") if word in prompt]
    if room_type in style["room_types"]:
        validate_style_fields({**style, "room_types": [room_type]})  # within 77 CLIP tokens


def test_a_style_without_a_rug_gets_the_rooms_own_and_wet_rooms_keep_their_furniture() -> None:
    template = "a {room_type}, plush velvet upholstery, oak"
    assert compose_prompt(template, "living_room").count("an area rug") == 1
    bathroom = compose_prompt(template, "bathroom")
    assert bathroom == "a bathroom with a wooden stool, a woven towel basket and a bath mat, oak"
    # The phrase with the placeholder is never dropped, whatever it names.
    assert compose_prompt("a velvet {room_type}", "kitchen").startswith("a velvet kitchen with")
