"""A job's generation parameters: style params validated and merged over SdxlSettings defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog.prompts import compose_prompt
from core.settings import SdxlSettings
from worker.generators.base import BadInput
from worker.vision.ade20k import ADE20K_LABELS, PROTECTED_CLASSES, floor_classes

SchedulerName = Literal["euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "ddim", "unipc"]


class StyleParams(BaseModel):
    """The sdxl knobs a style may override in style["params"]; other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    steps: int | None = Field(None, ge=1, le=150)
    guidance_scale: float | None = Field(None, ge=0, le=30)
    strength: float | None = Field(None, gt=0, le=1)
    scheduler: SchedulerName | None = None
    depth_scale: float | None = Field(None, ge=0, le=2)
    mlsd_scale: float | None = Field(None, ge=0, le=2)
    control_end: float | None = Field(None, gt=0, le=1)
    ip_adapter_scale: float | None = Field(None, ge=0, le=2)
    fast_tier: bool = False
    protected_classes: list[str] | None = Field(None, max_length=150)


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
        params = StyleParams.model_validate(style.get("params") or {})
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
    fast = params.fast_tier and fast_tier_loaded
    if params.fast_tier and not fast:
        # A style's steps, guidance and scheduler for the fast tier are meant for the distilled
        # LoRA; without it they would give a poor image, so the worker's standard ones apply.
        params = params.model_copy(
            update={"steps": None, "guidance_scale": None, "scheduler": None}
        )
    steps = settings.lightning_steps if fast else (params.steps or settings.steps)
    strength = settings.strength if params.strength is None else params.strength
    if int(steps * strength) < 1:
        raise BadInput(f"invalid style params: {steps} steps at strength {strength} is no step")
    suffix = settings.prompt_suffix
    prompt = compose_prompt(str(style.get("prompt") or ""), room_type)
    negative = ", ".join(p for p in (style.get("negative_prompt"), settings.negative_prompt) if p)

    def pick(name: str) -> Any:
        value = getattr(params, name)
        return getattr(settings, name) if value is None else value

    return JobParams(
        prompt=f"{prompt}, {suffix}" if suffix else prompt,
        negative_prompt=negative,
        steps=steps,
        # The distilled fast tier is trained without classifier-free guidance.
        guidance_scale=0.0 if fast else pick("guidance_scale"),
        strength=strength,
        scheduler="lightning" if fast else pick("scheduler"),
        depth_scale=pick("depth_scale"),
        mlsd_scale=pick("mlsd_scale"),
        control_end=pick("control_end"),
        ip_adapter_scale=pick("ip_adapter_scale"),
        fast_tier=fast,
        fast_tier_unavailable=params.fast_tier and not fast,
        floor=floor_classes(room_type),
        protected=protected,
    )
