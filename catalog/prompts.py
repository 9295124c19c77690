"""A style's prompt composed for a room type, and its length in CLIP tokens (no torch needed)."""

from __future__ import annotations

from functools import cache
from typing import Any

from catalog.models import ROOM_TYPES

CLIP_MAX_TOKENS = 77
"""What SDXL's text encoders read, start and end tokens included; the rest is cut silently."""

ROOM_FURNITURE: dict[str, str] = {
    "living_room": "a sofa, a coffee table, an armchair and an area rug",
    "bedroom": "a made bed with two nightstands, a bench at its foot and an area rug",
    "dining_room": "a dining table with chairs, a low sideboard and an area rug",
    "kitchen": "a small round table with chairs and a runner rug",
    "bathroom": "a bath mat, a wooden stool and a woven towel basket",
    "home_office": "a desk with an office chair, a low bookcase and an area rug",
    "kids_room": "a single bed, a low toy chest, a small table with chairs and a play rug",
    "studio": "a sofa, a small dining table with two chairs and an area rug",
    "patio": "outdoor lounge chairs, a low outdoor table and large potted shrubs",
}
"""What each room type gets: furniture that stands on the floor or against the lower wall, the
only places the staging mask covers (no ceiling lights, curtains, wall art or tall shelving)."""


def room_name(room_type: str) -> str:
    """The room type as words ("home office")."""
    return ROOM_TYPES.get(room_type, room_type.replace("_", " ")).lower()


def compose_prompt(template: str, room_type: str) -> str:
    """The style's prompt for a room type: {room_type} becomes "<room> with <its furniture>"
    (or just the room, when the template places {furniture} itself); without {room_type} that
    phrase leads the prompt, since CLIP cuts the end."""
    room = room_name(room_type)
    furniture = ROOM_FURNITURE.get(room_type, "")
    placed = "{furniture}" in template or not furniture
    phrase = room if placed else f"{room} with {furniture}"
    text = template.replace("{furniture}", furniture)
    if "{room_type}" in text:
        return text.replace("{room_type}", phrase)
    return f"{phrase}, {text}" if text else phrase


@cache
def _tokenizer() -> Any:
    # instant-clip-tokenizer: OpenAI's CLIP BPE vocabulary compiled in, numpy its only dependency.
    import instant_clip_tokenizer

    return instant_clip_tokenizer.Tokenizer()


def clip_tokens(text: str) -> int:
    """How many tokens CLIP's tokenizer makes of text, the start and end tokens included."""
    return len(_tokenizer().encode(text)) + 2
