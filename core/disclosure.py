"""What an altered photo must say about itself, per kind of alteration: the caption an agent pastes
into the listing, the label burned into the image, and the word its files and titles use.

Written once here and read everywhere it shows: the job page, the MLS zip's `caption.txt` and
file names, and the worker's label. Each entry is true to what was done and to what the original
photo (which the MLS zip includes) shows. A deployment rewords any entry with `DISCLOSURE`; a new
kind of alteration adds one entry to `DEFAULTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.settings import Settings

MAX_CAPTION_CHARS = 500
MAX_LABEL_CHARS = 60
# Key in a job's snapshot naming its kind when it differs from its mode (a staging of a
# result whose furniture was removed digitally discloses a replacement, not a staging).
SNAPSHOT_KEY = "disclosure"


@dataclass(frozen=True)
class Disclosure:
    """One kind of alteration, in the words a listing and an image carry."""

    caption: str
    """Pasted into the listing: what was done, and what the included original shows."""
    label: str
    """Burned into the result (short: it sits on the photo)."""
    word: str
    """The result in one word, for file names and titles: `01-kitchen-staged.jpg`."""


DEFAULTS: dict[str, Disclosure] = {
    "stage": Disclosure(
        caption=(
            "Virtually staged: furniture and decor were added digitally. "
            "The original photo of the empty room is included."
        ),
        label="Virtually staged",
        word="staged",
    ),
    "declutter": Disclosure(
        caption=(
            "Virtually decluttered: the furniture and belongings were removed digitally; "
            "the room is not empty. The original photo, which shows the room furnished, "
            "is included."
        ),
        label="Furniture removed digitally",
        word="decluttered",
    ),
    "restage": Disclosure(
        caption=(
            "Virtually restaged: the room's furniture was replaced digitally with furniture and "
            "decor that are not there. The original photo, which shows the room as it is "
            "furnished, is included."
        ),
        label="Virtually restaged",
        word="restaged",
    ),
    # An edit (jobs/edits.py) alters part of an earlier result, whatever that result's kind: the
    # agent's brush may cover a digital piece or a real one, so the caption claims neither.
    "edited": Disclosure(
        caption=(
            "Digitally edited: parts of this photo were changed digitally (furniture and decor "
            "added, removed or generated again). The original photo is included."
        ),
        label="Digitally edited",
        word="edited",
    ),
}
KINDS = tuple(DEFAULTS)


def kind_of(mode: str, snapshot: Mapping[str, Any] | None) -> str:
    """The kind of alteration a job makes: its snapshot's, else its mode's."""
    kind = (snapshot or {}).get(SNAPSHOT_KEY) or str(mode)
    return kind if kind in DEFAULTS else KINDS[0]


def after(parent_kind: str, mode: str) -> str | None:
    """The kind of a job that alters a parent's result, where it differs from its own mode:
    staging a room whose furniture was removed digitally replaces that furniture."""
    if parent_kind in ("declutter", "restage") and mode == "stage":
        return "restage"
    return None


def table(settings: Settings) -> dict[str, Disclosure]:
    """Every kind's disclosure with this deployment's wording."""
    reworded = {kind: words.model_dump() for kind, words in settings.disclosure.items()}
    stage = reworded.setdefault("stage", {})
    # Before DISCLOSURE, these two worded the one disclosure there was: a staging's.
    if settings.mls_caption:
        stage["caption"] = stage.get("caption") or settings.mls_caption
    if settings.sdxl.label_text:
        stage["label"] = stage.get("label") or settings.sdxl.label_text
    return {
        kind: replace(entry, **{k: v for k, v in reworded.get(kind, {}).items() if v})
        for kind, entry in DEFAULTS.items()
    }


def disclosure_for(kind: str, settings: Settings) -> Disclosure:
    """The disclosure of one kind (an unknown kind reads as a staging)."""
    entries = table(settings)
    return entries.get(kind, entries[KINDS[0]])


def listing_caption(kinds: list[str], settings: Settings) -> str:
    """The caption for photos 1..n of a listing: one caption when they are all of one kind,
    else each caption after the photo numbers it covers."""
    entries = table(settings)
    numbers: dict[str, list[int]] = {}
    for number, kind in enumerate(kinds, start=1):
        numbers.setdefault(kind if kind in entries else KINDS[0], []).append(number)
    if len(numbers) == 1:
        return entries[next(iter(numbers))].caption
    lines = []
    for kind, covered in numbers.items():
        which = ", ".join(f"{n:02d}" for n in covered)
        photos = "Photo" if len(covered) == 1 else "Photos"
        lines.append(f"{photos} {which}: {entries[kind].caption}")
    return "\n".join(lines)
