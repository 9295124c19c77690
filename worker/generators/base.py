"""The one interface every generator implements, and the errors it may raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image

from core.faults import BadInput as BadInput
from jobs.edits import ChosenItem, EditAction
from jobs.models import JobMode

ProgressCallback = Callable[[float, str], None]
"""Called with a fraction in [0, 1] and a short stage text ("Denoising 12/30")."""

StopCheck = Callable[[], bool]
"""Returns True once the job must stop: cancelled, lease lost or worker shutting down."""


class StopRequested(Exception):
    """Raised by a generator that saw should_stop() turn True; nothing is written."""


@dataclass(frozen=True)
class EditRequest:
    """An edit of an earlier result (jobs/edits.py): the action, and where the agent painted."""

    action: EditAction
    mask: Image.Image
    """"L" at the photo's size, white where the agent painted (worker/edits.py grows it)."""
    item: ChosenItem | None = None
    """An Add's piece; its reference image, if any, is the request's reference_images."""


@dataclass(frozen=True)
class LibrarySky:
    """A sky of the library that a sky replacement may use (jobs/finishing.py chose it)."""

    id: int
    name: str
    preview: Image.Image
    """A small copy (the web rendition), enough to compare skies."""
    full: Callable[[], Image.Image]
    """Reads the full image from storage, for the sky actually used."""


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a generator needs for one job."""

    job_id: int
    image: Image.Image
    room_type: str
    style: dict[str, Any]
    variants: int
    seed: int
    reference_images: list[Image.Image] = field(default_factory=list)
    mode: JobMode = JobMode.STAGE
    disclosure: str = "stage"
    """The kind of alteration the result discloses (core.disclosure); it names the label."""
    edit: EditRequest | None = None
    """Set for an edit: only its region changes; `image` is the result being edited."""
    skies: list[LibrarySky] = field(default_factory=list)
    """Mode sky: the chosen sky, or the candidates to pick the best-matching ones from."""


@dataclass
class GenerationResult:
    """The staged images (same size as the input), their seeds, and the staging mask."""

    images: list[Image.Image]
    seeds: list[int]
    mask: Image.Image | None = None
    clean_images: list[Image.Image] | None = None
    """The same images without the disclosure label, when a label was drawn."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage ("segmentation", "generation", ...), where the generator measures them."""
    removal_mask: Image.Image | None = None
    """Declutter and restage: where furniture was removed (white), at the photo's size."""
    scores: list[dict[str, Any]] | None = None
    """Per variant, the quality gate's record (worker.quality.gate.VariantRecord.as_json)."""
    room_type_guess: str | None = None
    """The room type the photo looks like, when the worker can tell."""


@dataclass(frozen=True)
class GpuInfo:
    """The GPU a generator's models run on, as the fleet table shows it."""

    name: str
    memory_mb: int


class Generator(Protocol):
    """Built once when the worker starts, then used for every job."""

    name: str
    gpu: GpuInfo | None
    """None when the generator runs on the CPU."""

    def generate(
        self, request: GenerationRequest, on_progress: ProgressCallback, should_stop: StopCheck
    ) -> GenerationResult: ...

    def guess_room_type(self, image: Image.Image) -> str | None:
        """The room type the photo shows (a ROOM_TYPES slug), or None when it cannot tell."""
        ...


def variant_seeds(seed: int, variants: int) -> list[int]:
    """One recorded seed per variant, derived from the job's seed."""
    return [(seed + index * 7919) % 2**32 for index in range(variants)]
