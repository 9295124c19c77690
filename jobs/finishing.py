"""What a job carries in jobs.options beyond its style, checked when the job is made: the sky
of a sky replacement, and whether the photo is auto-enhanced first. The worker reads it
(worker/finishing_job.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from catalog.models import Sky
from catalog.skies import list_skies
from core.errors import Invalid
from jobs.models import JobMode

if TYPE_CHECKING:
    from jobs.submit import JobRequest

SKY = "sky"
"""The sky the agent chose: {"id", "name", "image_key"}."""
SKY_CANDIDATES = "sky_candidates"
"""No sky chosen: the active skies (as SKY) the worker picks the best match from."""
ENHANCE = "enhance"
"""True: auto-enhance the photo before the mode's own work."""
MAX_SKY_CANDIDATES = 12
"""The worker reads each candidate's small rendition: a bound on the work of one choice."""


def _sky_ref(sky: Sky) -> dict[str, Any]:
    # The key, not just the id: a sky deleted from the library keeps its image for such jobs.
    return {"id": sky.id, "name": sky.name, "image_key": sky.image_key}


def job_options(
    session: Session, *, mode: JobMode, sky_id: int | None, enhance: bool
) -> dict[str, Any]:
    """The options of a new job; Invalid (field "sky") for a sky that cannot be used."""
    options: dict[str, Any] = {}
    if mode is JobMode.SKY:
        if sky_id is None:
            skies = [s for s in list_skies(session, active=True) if s.image_key]
            if not skies:
                raise Invalid(
                    "the sky library has no active sky yet; ask a merchandiser to add one",
                    field="sky",
                )
            options[SKY_CANDIDATES] = [_sky_ref(s) for s in skies[:MAX_SKY_CANDIDATES]]
        else:
            sky = session.get(Sky, sky_id)
            if sky is None or not sky.is_active or not sky.image_key:
                raise Invalid(f"sky {sky_id} is not an active sky of the library", field="sky")
            options[SKY] = _sky_ref(sky)
    elif sky_id is not None:
        raise Invalid(f"a sky applies only to mode '{JobMode.SKY}', not '{mode}'", field="sky")
    if enhance and mode is not JobMode.ENHANCE:
        options[ENHANCE] = True
    return options


def chosen_sky_id(options: dict[str, Any]) -> int | None:
    """The id of the sky the agent chose (None: none chosen, the worker picks one)."""
    return (options.get(SKY) or {}).get("id")


def enhances_first(options: dict[str, Any]) -> bool:
    return bool(options.get(ENHANCE))


def finishing_variants(request: JobRequest, options: dict[str, Any]) -> int:
    """How many results a job makes: as asked, except that a finishing pass gives the same
    image every time, so one, and a sky replacement with no sky chosen tries up to that many
    of the best-matching skies."""
    if not request.mode.finishes:
        return request.variants
    return min(request.variants, len(options.get(SKY_CANDIDATES) or [None]))
