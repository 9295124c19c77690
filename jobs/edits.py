"""Edits of one part of a finished result: remove what the agent painted, generate that part
again, or add a piece merchandisers curate there (catalog/items.py), as a new job.

An edit is the result's child (`parent_job_id`, `parent_variant`): its photo is that result (the
clean copy when there is one, so no label is edited into the picture), and the region the agent
painted is stored beside it as a PNG. The worker (worker/edits.py) changes only that region,
grown a little and feathered: every other pixel stays the parent's. The edit's snapshot is its
parent's style, plus `edit` (what to do, where the mask is, and the piece to add as it was
chosen), so an edit of a style or a piece merchandisers have since changed or retired still runs
as the agent asked.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from accounts.models import User
from catalog.items import offered_item
from core import disclosure
from core.errors import Conflict, Invalid
from core.settings import Settings
from core.storage import Storage, StorageError, job_edit_mask_key, rendition_key
from jobs.derived import read_photo
from jobs.models import Job, JobState
from jobs.submit import MAX_SEED, check_quota, store_input

SNAPSHOT_KEY = "edit"
EDIT_KIND = "edited"
"""The disclosure kind of every edit (core/disclosure.py)."""
MAX_MASK_BYTES = 4 * 1024 * 1024
MAX_MASK_SHARE = 0.5
"""An edit is of a part: past half the photo, stage it again instead."""
MIN_MASK_SHARE = 0.0005
ASPECT_TOLERANCE = 0.02
"""How far the mask's aspect ratio may differ from the photo's (rounding of a scaled canvas)."""


class EditAction(StrEnum):
    """What an edit does to the painted region."""

    REMOVE = "remove"  # becomes what surrounds it (floor, wall), as declutter removes
    REDO = "redo"  # generated again as the parent job made it, with a new seed
    ADD = "add"  # a curated piece (catalog/items.py) placed in the region

    @property
    def label(self) -> str:
        """The action in an agent's words."""
        return {
            "remove": "Remove what I painted",
            "redo": "Redo what I painted",
            "add": "Add it where I painted",
        }[self.value]


@dataclass(frozen=True)
class ChosenItem:
    """The piece an Add places, as it was when the agent chose it."""

    id: int
    name: str
    prompt: str
    reference_image_key: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prompt": self.prompt,
            "reference_image_key": self.reference_image_key,
        }


@dataclass(frozen=True)
class Edit:
    """An edit job's instructions, as its snapshot holds them."""

    action: EditAction
    mask_key: str
    item: ChosenItem | None = None
    """Set for an Add."""

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"action": self.action.value, "mask_key": self.mask_key}
        if self.item is not None:
            entry["item"] = self.item.as_json()
        return entry


def edit_of(snapshot: dict[str, Any] | None) -> Edit | None:
    """The edit a job's snapshot describes, or None for any other job."""
    entry = (snapshot or {}).get(SNAPSHOT_KEY)
    if not isinstance(entry, dict):
        return None
    item = entry.get("item")
    chosen = (
        ChosenItem(
            int(item["id"]),
            str(item["name"]),
            str(item["prompt"]),
            str(item["reference_image_key"]) if item.get("reference_image_key") else None,
        )
        if isinstance(item, dict)
        else None
    )
    return Edit(EditAction(entry["action"]), str(entry["mask_key"]), chosen)


def read_mask(data: bytes, size: tuple[int, int]) -> Image.Image:
    """The painted region as a binary mask ("L", 0 or 255) at the photo's `size`.

    A PNG whose painted pixels are opaque (its alpha channel) or white (without alpha), of the
    photo's aspect ratio at any scale; Invalid (422) for anything else."""
    if not data:
        raise Invalid("the mask is empty: paint the part to change", field="mask")
    if len(data) > MAX_MASK_BYTES:
        raise Invalid(f"the mask may be at most {MAX_MASK_BYTES // 2**20} MB", field="mask")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=("PNG",))
            _check_shape(image.size, size)
            image.load()
        except (UnidentifiedImageError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:  # fmt: skip
            raise Invalid("the mask must be a PNG image", field="mask") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise Invalid(f"the mask could not be read: {exc}", field="mask") from exc
    painted = image.getchannel("A") if "A" in image.getbands() else image.convert("L")
    binary = painted.resize(size, Image.Resampling.NEAREST).point(lambda v: 255 if v > 127 else 0)
    share = float(np.count_nonzero(np.asarray(binary))) / (size[0] * size[1])
    if share < MIN_MASK_SHARE:
        raise Invalid("nothing is painted: paint the part to change", field="mask")
    if share > MAX_MASK_SHARE:
        raise Invalid(
            f"{share:.0%} of the photo is painted; an edit changes at most "
            f"{MAX_MASK_SHARE:.0%} (stage the photo again to change more)",
            field="mask",
        )
    return binary


def _check_shape(mask: tuple[int, int], photo: tuple[int, int]) -> None:
    if mask[0] > photo[0] or mask[1] > photo[1] or min(mask) < 1:
        raise Invalid(
            f"the mask is {mask[0]}x{mask[1]}; it may not be larger than the photo "
            f"({photo[0]}x{photo[1]})",
            field="mask",
        )
    if abs(mask[0] / mask[1] - photo[0] / photo[1]) > ASPECT_TOLERANCE * photo[0] / photo[1]:
        raise Invalid(
            f"the mask is {mask[0]}x{mask[1]}; it must have the photo's shape "
            f"({photo[0]}x{photo[1]})",
            field="mask",
        )


def create_edit(
    session: Session,
    *,
    user: User,
    parent: Job,
    variant: int,
    action: EditAction,
    mask: bytes,
    storage: Storage,
    settings: Settings,
    item: int | None = None,
) -> Job:
    """A pending edit of the parent's variant: one new result, from one daily job of quota.

    `item` is the piece an Add places (Invalid when it is not offered for the room type); the
    other actions ignore it."""
    if not parent.mode.edits_photo:
        raise Conflict(f"job {parent.id} is a video; edit the photos it shows")
    if parent.mode.finishes:
        raise Conflict(f"job {parent.id} is a {parent.mode.value} job; edits are of staged rooms")
    if parent.state is not JobState.COMPLETED or not parent.result_keys:
        raise Conflict(
            f"job {parent.id} is {parent.state.value}; only finished results can be edited"
        )
    if not 1 <= variant <= len(parent.result_keys):
        raise Invalid(f"job {parent.id} has no variant {variant}", field="variant")
    size = (parent.input_width, parent.input_height)
    region = read_mask(mask, size)
    chosen = _chosen(session, item, parent.room_type) if action is EditAction.ADD else None
    check_quota(session, user, settings)
    key = parent.result_keys[variant - 1]
    photo = read_photo(
        storage, rendition_key(key, "clean") if parent.has_clean_copies else key, parent.id
    )
    snapshot = {k: v for k, v in parent.style_snapshot.items() if k != "variation"}
    job = Job(
        user_id=user.id,
        style_id=parent.style_id,
        style_snapshot=snapshot,
        room_type=parent.room_type,
        mode=parent.mode,
        variants=1,
        seed=_new_seed(parent),
        listing=parent.listing,
        state=JobState.PENDING,
        max_attempts=settings.max_attempts,
        input_key="",
        input_width=size[0],
        input_height=size[1],
        parent_job_id=parent.id,
        parent_variant=variant,
    )
    session.add(job)
    session.flush()
    edit = Edit(action, job_edit_mask_key(job.id), chosen)
    job.style_snapshot = {
        **snapshot,
        SNAPSHOT_KEY: edit.as_json(),
        disclosure.SNAPSHOT_KEY: EDIT_KIND,
    }
    # The photo first: storing it arranges for the job's files to go if the transaction fails.
    store_input(session, job, photo, storage)
    buffer = io.BytesIO()
    region.save(buffer, "PNG", optimize=True)
    try:
        storage.put(edit.mask_key, buffer.getvalue(), "image/png")
    except (StorageError, OSError) as exc:
        raise StorageError(
            f"could not store {edit.mask_key}: {exc}",
            message="could not store the painted region; nothing was saved, try again shortly",
        ) from exc
    return job


def _chosen(session: Session, item_id: int | None, room_type: str) -> ChosenItem:
    item = offered_item(session, item_id, room_type)
    return ChosenItem(item.id, item.name, item.prompt, item.reference_image_key)


def _new_seed(parent: Job) -> int:
    """A seed the parent did not use, so a redo draws something new."""
    while (seed := secrets.randbelow(MAX_SEED + 1)) == parent.seed:
        pass
    return seed
