"""download-models and check-models: every configured model in the Hugging Face cache (HF_HOME)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings
from worker.vision.control import MLSD_WEIGHTS
from worker.weights import DIFFUSERS_STEM, TRANSFORMERS_STEMS, file_problem, weight_files

TRANSFORMERS_FILES = ["*.json", "*.safetensors", "*.bin", "*.txt"]
COMPONENT_CONFIGS = {"Scheduler": "scheduler_config.json", "Tokenizer": "tokenizer_config.json"}
"""A pipeline component's own config file, by the end of its class name; models: config.json."""


@dataclass(frozen=True)
class ModelSpec:
    """One configured model: where it comes from and which files the worker needs."""

    role: str
    model_id: str
    kind: str  # "pipeline", "diffusers", "transformers", "ip-adapter" or "file"
    allow_patterns: tuple[str, ...]
    required: tuple[str, ...]
    fallback_patterns: tuple[str, ...] = ()
    """Downloaded too when the variant's weights are not in the repo."""
    variant: str = ""
    revision: str | None = None
    """The pinned commit (SdxlSettings.revision); None: the main branch."""
    encoder: str = ""
    """ip-adapter: the folder of its CLIP image encoder."""


def model_specs(settings: Settings) -> list[ModelSpec]:
    """Every model the sdxl worker would load with these settings."""
    s = settings.sdxl
    weights = f"*/*.{s.variant}.safetensors" if s.variant else "*/*.safetensors"
    configs = ("model_index.json", "*/config.json", "scheduler/*", "tokenizer*/*")
    specs = [
        ModelSpec(
            "base",
            s.base_model,
            "pipeline",
            (*configs, weights),
            ("model_index.json", "unet/config.json"),
            (*configs, "*/*.safetensors") if s.variant else (),
            s.variant,
        )
    ]
    diffusers_models = [
        ("vae", s.vae_model),
        ("controlnet-depth", s.controlnet_depth_model),
        ("controlnet-mlsd", s.controlnet_mlsd_model),
    ]
    variant_file = f"{DIFFUSERS_STEM}.{s.variant}.safetensors" if s.variant else ""
    for role, model_id in diffusers_models:
        plain = ("config.json", f"{DIFFUSERS_STEM}.safetensors")
        specs.append(
            ModelSpec(
                role,
                model_id,
                "diffusers",
                ("config.json", variant_file) if variant_file else plain,
                ("config.json",),
                plain if variant_file else (),
                s.variant,
            )
        )
    transformers_models = [
        ("segmentation", s.segmentation_model),
        ("quality-clip", s.quality_clip_model),
    ]
    if s.controlnet_depth_model:
        transformers_models.append(("depth", s.depth_model))
    for role, model_id in transformers_models:
        specs.append(
            ModelSpec(role, model_id, "transformers", tuple(TRANSFORMERS_FILES), ("config.json",))
        )
    if s.controlnet_mlsd_model:
        specs.append(ModelSpec("mlsd", s.mlsd_model, "file", (MLSD_WEIGHTS,), (MLSD_WEIGHTS,)))
    if s.lightning_lora_model:
        weight = s.lightning_lora_weight
        specs.append(
            ModelSpec("lightning-lora", s.lightning_lora_model, "file", (weight,), (weight,))
        )
    if s.ip_adapter_model:
        weight = f"{s.ip_adapter_subfolder}/{s.ip_adapter_weight}"
        # diffusers' load_ip_adapter reads the encoder from <subfolder>/image_encoder.
        encoder = f"{s.ip_adapter_subfolder}/image_encoder"
        specs.append(
            ModelSpec(
                "ip-adapter",
                s.ip_adapter_model,
                "ip-adapter",
                (weight, f"{encoder}/*"),
                (weight, f"{encoder}/config.json"),
                encoder=encoder,
            )
        )
    return [
        dataclasses.replace(spec, revision=s.revision(spec.model_id))
        for spec in specs
        if spec.model_id
    ]


def download_models(settings: Settings) -> int:
    """Fetch every configured model into the HF cache, with progress bars; 0 when all succeed."""
    from huggingface_hub import snapshot_download

    failures = 0
    for spec in model_specs(settings):
        if Path(spec.model_id).is_dir():
            print(f"{spec.role}: {spec.model_id} is a local directory, nothing to download")
            continue
        print(f"{spec.role}: downloading {spec.model_id}")
        try:
            snapshot_download(
                spec.model_id, revision=spec.revision, allow_patterns=list(spec.allow_patterns)
            )
            if spec.fallback_patterns and check_one(spec) != "ok":
                print(f"{spec.role}: no {spec.variant} weights; downloading the plain ones")
                snapshot_download(
                    spec.model_id,
                    revision=spec.revision,
                    allow_patterns=list(spec.fallback_patterns),
                )
        except Exception as exc:  # reported per model; the others still download
            failures += 1
            print(f"{spec.role}: FAILED {spec.model_id}: {exc}")
    return 1 if failures else 0


def _local_path(spec: ModelSpec) -> Path:
    """The model's directory, offline: a local dir, or its HF cache snapshot (raises if absent)."""
    if Path(spec.model_id).is_dir():
        return Path(spec.model_id)
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            spec.model_id,
            revision=spec.revision,
            allow_patterns=list(spec.allow_patterns),
            local_files_only=True,
        )
    )


def _load_config(spec: ModelSpec, path: Path) -> None:
    """Parse the model's configuration the way the worker will (no weights loaded)."""
    if spec.kind == "pipeline":
        from diffusers import DiffusionPipeline, UNet2DConditionModel

        DiffusionPipeline.load_config(path)
        UNet2DConditionModel.load_config(path / "unet")
    elif spec.kind == "diffusers":
        from diffusers import AutoencoderKL, ControlNetModel

        (AutoencoderKL if spec.role == "vae" else ControlNetModel).load_config(path)
    elif spec.kind == "transformers":
        from transformers import AutoConfig

        AutoConfig.from_pretrained(path)
    elif spec.kind == "ip-adapter":
        from transformers import CLIPVisionConfig

        CLIPVisionConfig.from_pretrained(path / spec.encoder)


def _component_config(class_name: str) -> str:
    for suffix, config in COMPONENT_CONFIGS.items():
        if class_name.removesuffix("Fast").endswith(suffix):
            return config
    return "config.json"


def needed_files(spec: ModelSpec, path: Path) -> list[Path] | str:
    """Every weight file the worker will read for this model, or what is missing."""
    if spec.kind == "file":
        return [path / name for name in spec.required if not name.endswith("config.json")]
    if spec.kind == "transformers":
        return weight_files(path, TRANSFORMERS_STEMS, "")
    if spec.kind == "ip-adapter":
        encoder = weight_files(path / spec.encoder, TRANSFORMERS_STEMS, "")
        return encoder if isinstance(encoder, str) else [path / spec.required[0], *encoder]
    if spec.kind == "diffusers":
        return weight_files(path, (DIFFUSERS_STEM,), spec.variant)
    files: list[Path] = []
    index = json.loads((path / "model_index.json").read_text())
    for name, entry in sorted(index.items()):
        if not isinstance(entry, list) or entry[1] is None:
            continue
        config = _component_config(entry[1])
        if not (path / name / config).is_file():
            return f"missing {name}/{config}"
        if config == "config.json":
            stems = (DIFFUSERS_STEM,) if entry[0] == "diffusers" else TRANSFORMERS_STEMS
            found = weight_files(path / name, stems, spec.variant)
            if isinstance(found, str):
                return found
            files += found
    return files


def check_one(spec: ModelSpec) -> str:
    """'ok', or why the model cannot be loaded offline."""
    try:
        path = _local_path(spec)
    except Exception as exc:  # any lookup failure means "not in the cache"
        return f"missing ({type(exc).__name__})"
    absent = [name for name in spec.required if not (path / name).is_file()]
    if absent:
        return f"missing {', '.join(absent)}"
    try:
        _load_config(spec, path)
    except Exception as exc:  # reported in the table
        return f"unloadable: {exc}"
    files = needed_files(spec, path)
    if isinstance(files, str):
        return files
    problems = [problem for problem in map(file_problem, files) if problem]
    return "; ".join(problems) if problems else "ok"


def check_models(settings: Settings) -> int:
    """Verify offline (local files only) that every model is cached and loadable; print a table."""
    rows = [(spec.role, spec.model_id, check_one(spec)) for spec in model_specs(settings)]
    widths = [max(len(row[i]) for row in [("role", "model", "status"), *rows]) for i in range(3)]
    for row in [("role", "model", "status"), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    missing = [role for role, _, status in rows if status != "ok"]
    if missing:
        print(f"{len(missing)} model(s) not ready: {', '.join(missing)}")
        return 1
    print(f"all {len(rows)} models ready")
    return 0
