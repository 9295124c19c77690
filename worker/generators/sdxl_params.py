"""A job's generation parameters: style params validated and merged over SdxlSettings defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, ValidationError

from catalog.prompts import compose_item_prompt, compose_prompt
from core.generation import StyleParams
from core.settings import SdxlSettings
from worker.generators.base import BadInput
from worker.vision.ade20k import ADE20K_LABELS, PROTECTED_CLASSES, floor_classes


class JobStyleParams(StyleParams):
    """A job's style params; keys this worker does not know (from a newer style) are ignored."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class JobParams:
    """Every value one generation uses."""

    prompt: str
    negative_prompt: str
    steps: int
    guidance_scale: float
    strength: float
    scheduler: str
    depth_scale: float
    mlsd_scale: float
    control_end: float
    depth_in_mask: float
    """How much of the depth control image is kept inside the staging mask (0: blanked)."""
    ip_adapter_scale: float
    fast_tier: bool
    fast_tier_unavailable: bool
    """The style asked for the fast tier but this worker has no Lightning LoRA: standard tier."""
    floor: frozenset[str]
    protected: frozenset[str]


def job_params(
    style: dict[str, Any], room_type: str, settings: SdxlSettings, *, fast_tier_loaded: bool
) -> JobParams:
    """Merge a style over the settings; BadInput names the offending param."""
    try:
        params = JobStyleParams.model_validate(style.get("params") or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise BadInput(f"invalid style params: {problems}") from None
    protected = PROTECTED_CLASSES
    if params.protected_classes is not None:
        unknown = sorted(set(params.protected_classes) - set(ADE20K_LABELS))
        if unknown:
            raise BadInput(f"invalid style params: unknown protected classes {unknown}")
        protected = frozenset(params.protected_classes)
    asked_fast = bool(params.fast_tier)
    fast = asked_fast and fast_tier_loaded
    if asked_fast and not fast:
        # A style's steps, guidance and scheduler for the fast tier are meant for the distilled
        # LoRA; without it they would give a poor image, so the worker's standard ones apply.
        params = params.model_copy(
            update={"steps": None, "guidance_scale": None, "scheduler": None}
        )
    steps = settings.lightning_steps if fast else (params.steps or settings.steps)
    strength = settings.strength if params.strength is None else params.strength
    if int(steps * strength) < 1:
        raise BadInput(f"invalid style params: {steps} steps at strength {strength} is no step")
    prompt = compose_prompt(str(style.get("prompt") or ""), room_type)
    negative = ", ".join(p for p in (style.get("negative_prompt"), settings.negative_prompt) if p)

    def pick(name: str) -> Any:
        value = getattr(params, name)
        return getattr(settings, name) if value is None else value

    return JobParams(
        prompt=_suffixed(prompt, settings),
        negative_prompt=negative,
        steps=steps,
        # The distilled fast tier is trained without classifier-free guidance.
        guidance_scale=0.0 if fast else pick("guidance_scale"),
        strength=strength,
        scheduler="lightning" if fast else pick("scheduler"),
        depth_scale=pick("depth_scale"),
        mlsd_scale=pick("mlsd_scale"),
        control_end=pick("control_end"),
        depth_in_mask=pick("depth_in_mask"),
        ip_adapter_scale=pick("ip_adapter_scale"),
        fast_tier=fast,
        fast_tier_unavailable=asked_fast and not fast,
        floor=floor_classes(room_type),
        protected=protected,
    )


def _suffixed(prompt: str, settings: SdxlSettings) -> str:
    suffix = settings.prompt_suffix
    return f"{prompt}, {suffix}" if suffix else prompt


def item_params(
    params: JobParams, piece: str, style: dict[str, Any], room_type: str, settings: SdxlSettings
) -> JobParams:
    """An Add's parameters: the job's staging ones, asking for the piece in the room's style."""
    prompt = compose_item_prompt(piece, str(style.get("prompt") or ""), room_type)
    return dataclasses.replace(params, prompt=_suffixed(prompt, settings))
