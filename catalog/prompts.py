"""A style's prompt composed for a room type, and its length in CLIP tokens (no torch needed)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from catalog.models import ROOM_TYPES

CLIP_MAX_TOKENS = 77
"""What SDXL's text encoders read, start and end tokens included; the rest is cut silently."""

ROOM_FURNITURE: dict[str, tuple[str, ...]] = {
    "living_room": ("a sofa", "a coffee table", "an armchair"),
    "bedroom": ("a made bed with two nightstands", "a bench at its foot"),
    "dining_room": ("a dining table with chairs", "a low sideboard"),
    "kitchen": ("a small round table with chairs",),
    "bathroom": ("a wooden stool", "a woven towel basket"),
    "home_office": ("a desk with an office chair", "a low bookcase"),
    "kids_room": ("a single bed", "a low toy chest", "a small table with chairs"),
    "studio": ("a sofa", "a small dining table with two chairs"),
    "patio": ("outdoor lounge chairs", "a low outdoor table", "low planters"),
}
"""What each room type gets: furniture that stands on the floor or against the lower wall, the
only places the staging mask covers (no ceiling lights, curtains, wall art, tall shelving, or
shrubs taller than the mask's wall band)."""
ROOM_RUG: dict[str, str] = {
    "living_room": "an area rug",
    "bedroom": "an area rug",
    "dining_room": "an area rug",
    "kitchen": "a runner rug",
    "bathroom": "a bath mat",
    "home_office": "an area rug",
    "kids_room": "a play rug",
    "studio": "an area rug",
}
"""The room's own rug, used when the style names none (always in wet rooms; a patio has none)."""
_TEXTILES = r"upholster\w*|slipcover\w*|throws?|cushions?|pillows?|textiles?"
_DELICATE = r"velvet|sheepskin|knit\w*|silk|wool|linen|boucl[eé]"
_RUGS = r"rugs?|carpets?|mats?"
RUG = re.compile(rf"\b({_RUGS})\b", re.IGNORECASE)
WET_ROOM = re.compile(rf"\b({_TEXTILES}|{_DELICATE}|{_RUGS})\b", re.IGNORECASE)
NOT_FOR_ROOM: dict[str, re.Pattern[str]] = {
    "bathroom": WET_ROOM,
    "kitchen": WET_ROOM,
    "patio": re.compile(rf"\b({_DELICATE})\b", re.IGNORECASE),
}
"""Style phrases left out for a room type: in wet rooms every textile (velvet, knits,
upholstery, cushions...) and the style's rug (the room's own bath mat or runner stays);
outdoors the fabrics that do not live outside (velvet, silk, sheepskin, knits, wool, linen)."""
PLACEHOLDERS = ("{room_type}", "{furniture}")


def room_name(room_type: str) -> str:
    """The room type as words ("home office")."""
    return ROOM_TYPES.get(room_type, room_type.replace("_", " ")).lower()


def _listed(items: tuple[str, ...]) -> str:
    """The items as words: "a, b and c"."""
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items)


def style_phrases(template: str, room_type: str) -> list[str]:
    """The template's comma-separated phrases that suit the room type (NOT_FOR_ROOM); the
    phrase holding a placeholder always stays."""
    phrases = [phrase.strip() for phrase in template.split(",") if phrase.strip()]
    unsuited = NOT_FOR_ROOM.get(room_type)
    if unsuited is None:
        return phrases
    return [
        phrase
        for phrase in phrases
        if any(mark in phrase for mark in PLACEHOLDERS) or not unsuited.search(phrase)
    ]


def room_furniture(room_type: str, *, with_rug: bool) -> str:
    """The room type's furniture in words, with its own rug when asked."""
    items = ROOM_FURNITURE.get(room_type, ())
    rug = ROOM_RUG.get(room_type)
    return _listed(items + ((rug,) if with_rug and rug else ()))


def compose_prompt(template: str, room_type: str) -> str:
    """The style's prompt for a room type: {room_type} becomes "<room> with <its furniture>"
    (or just the room, when the template places {furniture} itself); without {room_type} that
    phrase leads the prompt, since CLIP cuts the end. Exactly one rug is asked for: the style's,
    else the room's own; phrases that do not suit the room are dropped (style_phrases)."""
    phrases = style_phrases(template, room_type)
    style_rug = any(RUG.search(phrase) for phrase in phrases)
    furniture = room_furniture(room_type, with_rug=not style_rug)
    room = room_name(room_type)
    text = ", ".join(phrases).replace("{furniture}", furniture)
    placed = "{furniture}" in template or not furniture
    phrase = room if placed else f"{room} with {furniture}"
    if "{room_type}" in text:
        return text.replace("{room_type}", phrase)
    return f"{phrase}, {text}" if text else phrase


def compose_item_prompt(piece: str, template: str, room_type: str) -> str:
    """The prompt of a piece added by an edit: the piece leads (CLIP cuts the end), then the
    style's phrases that suit the room, {room_type} naming just the room; a phrase placing the
    room's {furniture} is left out, and the room is named after the piece when no phrase does."""
    room = room_name(room_type)
    kept = [p for p in style_phrases(template, room_type) if "{furniture}" not in p]
    context = [phrase.replace("{room_type}", room) for phrase in kept]
    if not any("{room_type}" in phrase for phrase in kept):
        context.insert(0, f"in a {room}")
    return ", ".join([piece, *context])


@cache
def _tokenizer() -> Any:
    # instant-clip-tokenizer: OpenAI's CLIP BPE vocabulary compiled in, numpy its only dependency.
    import instant_clip_tokenizer

    return instant_clip_tokenizer.Tokenizer()


def clip_tokens(text: str) -> int:
    """How many tokens CLIP's tokenizer makes of text, the start and end tokens included."""
    return len(_tokenizer().encode(text)) + 2
