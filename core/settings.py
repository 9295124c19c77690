"""The one typed settings object, read from the environment and validated at start."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.generation import ControlEnd, ControlScale, GuidanceScale, Scheduler, Steps, Strength

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-change-me"}
DEFAULT_SECRET = "dev-secret-change-me"  # noqa: S105 - refused outside dev mode
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "secret", "password", "example")
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 8
MIN_SECRET_BITS = 80  # by its own character frequencies: 32 random hex digits give 92+


def weak_secret(value: str) -> str | None:
    """Why a production secret is too guessable, or None when it looks random enough."""
    if len(value) < MIN_SECRET_CHARS:
        return f"is shorter than {MIN_SECRET_CHARS} characters"
    lowered = value.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "contains a placeholder word"
    counts = Counter(value)
    bits = -sum(n * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < MIN_SECRET_DISTINCT or bits < MIN_SECRET_BITS:
        return "repeats too few characters to be random"
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in itertools.pairwise(value))
    if steps * 2 > len(value):
        return "is a run of neighbouring characters"
    return None


class AppEnv(StrEnum):
    """Where the process runs."""

    DEV = "dev"  # a laptop: placeholder secrets allowed, cookies not Secure
    PROD = "prod"  # anything real: secrets must be set


class StorageBackend(StrEnum):
    """Where images are kept."""

    LOCAL = "local"  # files under LOCAL_STORAGE_DIR, served by the API
    R2 = "r2"  # Cloudflare R2 (any S3-compatible endpoint)


class GeneratorName(StrEnum):
    """Which generator the worker builds at start."""

    PREVIEW = "preview"  # CPU, no weights, labelled PREVIEW
    SDXL = "sdxl"  # SDXL + ControlNet inpainting on a GPU


class SdxlSettings(BaseSettings):
    """Model ids and knobs of the sdxl generator (env prefix SDXL_); see docs/models.md."""

    model_config = SettingsConfigDict(env_prefix="SDXL_", extra="ignore")

    base_model: str = "diffusers/stable-diffusion-xl-1.0-inpainting-0.1"
    vae_model: str = "madebyollin/sdxl-vae-fp16-fix"
    controlnet_depth_model: str = "diffusers/controlnet-depth-sdxl-1.0"
    controlnet_mlsd_model: str = ""
    segmentation_model: str = "openmmlab/upernet-convnext-small"
    depth_model: str = "depth-anything/Depth-Anything-V2-Small-hf"
    mlsd_model: str = "lllyasviel/Annotators"
    lightning_lora_model: str = ""
    lightning_lora_weight: str = "sdxl_lightning_8step_lora.safetensors"
    ip_adapter_model: str = ""
    ip_adapter_subfolder: str = "sdxl_models"
    ip_adapter_weight: str = "ip-adapter_sdxl.safetensors"
    ip_adapter_layers: str = Field("style", pattern="^(style|all)$")
    variant: str = "fp16"
    mlsd_resolution: int = Field(512, ge=64, le=2048)

    device: str = "auto"
    dtype: str = Field("float16", pattern="^(float16|bfloat16|float32)$")
    channels_last: bool = True
    fuse_qkv: bool = True
    compile: bool = False
    compile_mode: str = Field(
        "default", pattern="^(default|reduce-overhead|max-autotune|max-autotune-no-cudagraphs)$"
    )
    warmup: bool = True

    target_pixels: int = Field(1024 * 1024, ge=4096, le=4096 * 4096)
    bucket_multiple: int = Field(64, ge=8, le=256)
    crop_margin_fraction: float = Field(0.05, ge=0, le=0.5)
    detail_scale: float = Field(2.0, ge=1, le=2)
    detail_strength: float = Field(0.3, gt=0, le=1)

    prompt_suffix: str = (
        "professionally staged, interior design photography, photorealistic, natural light"
    )
    negative_prompt: str = (
        "people, text, watermark, blurry, distorted, deformed furniture, floating objects"
    )
    steps: Steps = 30
    guidance_scale: GuidanceScale = 6.0
    strength: Strength = 0.99
    scheduler: Scheduler = "dpmpp_2m_karras"
    depth_scale: ControlScale = 0.6
    mlsd_scale: ControlScale = 0.4
    control_end: ControlEnd = 0.8
    ip_adapter_scale: ControlScale = 0.5
    lightning_steps: int = Field(8, ge=1, le=16)

    wall_band_fraction: float = Field(0.25, ge=0, le=1)
    mask_dilate_fraction: float = Field(0.01, ge=0, le=0.2)
    mask_feather_fraction: float = Field(0.01, ge=0, le=0.2)
    fallback_floor_fraction: float = Field(0.45, gt=0, le=1)
    quality_clip_model: str = "openai/clip-vit-base-patch32"
    removal_dilate_fraction: float = Field(0.02, ge=0, le=0.2)
    declutter_prompt: str = (
        "an empty {room_type}, bare floor, bare walls, nothing on the floor, "
        "real estate photography, photorealistic"
    )
    declutter_negative_prompt: str = (
        "furniture, sofa, chair, table, bed, rug, carpet, lamp, shelf, boxes, clutter, "
        "objects, people, text, watermark"
    )

    label_enabled: bool = True
    label_text: str = Field("Virtually staged", min_length=1, max_length=60)
    label_position: str = Field("bottom_right", pattern="^(top|bottom)_(left|center|right)$")
    label_size_fraction: float = Field(0.035, gt=0, le=0.2)


class Settings(BaseSettings):
    """Every setting of the API and the worker; see the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: AppEnv = AppEnv.DEV
    secret_key: str = DEFAULT_SECRET
    base_url: str = "http://127.0.0.1:8000"

    database_url: str = "sqlite:///./var/stagewright.db"
    database_pooled: bool = False
    database_listen_url: str = ""

    storage_backend: StorageBackend = StorageBackend.LOCAL
    local_storage_dir: Path = Path("./var/storage")
    r2_account_id: str = ""
    r2_endpoint_url: str = ""
    r2_access_key_id: str = ""
    r2_secret_access_key: str = ""
    r2_bucket: str = ""
    r2_url_expiry_s: int = Field(3600, ge=60, le=7 * 24 * 3600)
    r2_connect_timeout_s: float = Field(5.0, gt=0, le=120)
    r2_read_timeout_s: float = Field(30.0, gt=0, le=600)
    r2_max_attempts: int = Field(5, ge=1, le=10)
    r2_call_timeout_s: float = Field(30.0, gt=0, le=600)

    generator: GeneratorName = GeneratorName.PREVIEW
    worker_id: str = ""
    poll_interval_s: float = Field(3.0, gt=0, le=60)
    lease_s: float = Field(20.0, ge=3, le=3600)
    max_attempts: int = Field(3, ge=1, le=20)
    retry_base_s: float = Field(5.0, ge=0)
    retry_cap_s: float = Field(300.0, ge=0)
    shutdown_grace_s: float = Field(30.0, ge=0)
    progress_interval_s: float = Field(0.25, gt=0, le=10)
    worker_liveness_file: Path = Path("./var/worker.alive")
    wake_dir: Path = Path("./var/wake")
    preview_step_delay_s: float = Field(0.05, ge=0, le=10)
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")

    max_upload_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    max_upload_pixels: int = Field(40_000_000, ge=10_000)
    min_upload_side_px: int = Field(256, ge=1, le=4096)
    browser_downscale_px: int = Field(2560, ge=0, le=16384)
    daily_quota: int = Field(50, ge=0)
    jpeg_quality: int = Field(92, ge=50, le=100)
    offer_clean_copy: bool = True
    mls_caption: str = Field(
        "Virtually staged: furniture and decor were added digitally. "
        "The original photo of the empty room is included.",
        min_length=1,
        max_length=500,
    )
    mls_long_edge_px: int = Field(2048, ge=0, le=16384)
    api_token_ttl_s: int = Field(30 * 24 * 3600, ge=60, le=366 * 24 * 3600)
    session_ttl_s: int = Field(14 * 24 * 3600, ge=60, le=366 * 24 * 3600)

    metrics_token: str = ""
    signin_free_failures: int = Field(5, ge=1, le=1000)
    signin_lock_base_s: float = Field(1.0, gt=0, le=3600)
    signin_lock_max_s: float = Field(900.0, gt=0, le=7 * 24 * 3600)
    quality_max_rerolls: int = Field(2, ge=0, le=5)

    retention_days: int = Field(90, ge=1, le=36500)
    retention_batch_size: int = Field(500, ge=1, le=10_000)

    sdxl: SdxlSettings = Field(default_factory=SdxlSettings)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, url: str) -> str:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.app_env is AppEnv.DEV:
            return self
        for name in ("secret_key", "metrics_token"):
            value = getattr(self, name)
            if (name == "secret_key" or value) and (why := weak_secret(value)):
                raise ValueError(
                    f"{name.upper()} {why}; outside dev mode use a random string, e.g. "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
        if self.storage_backend is StorageBackend.R2:
            missing = [
                name.upper()
                for name in ("r2_access_key_id", "r2_secret_access_key", "r2_bucket")
                if getattr(self, name).strip().lower() in PLACEHOLDER_SECRETS
            ]
            if not (self.r2_account_id or self.r2_endpoint_url):
                missing.append("R2_ACCOUNT_ID or R2_ENDPOINT_URL")
            if missing:
                raise ValueError(f"missing R2 settings: {', '.join(missing)}")
        return self

    @property
    def r2_endpoint(self) -> str:
        return self.r2_endpoint_url or f"https://{self.r2_account_id}.r2.cloudflarestorage.com"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
