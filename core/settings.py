"""The one typed settings object, read from the environment and validated at start."""

from __future__ import annotations

import ipaddress
import itertools
import json
import math
import re
from collections import Counter
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from zxcvbn import zxcvbn

from core.db_timeouts import (
    CONNECT_TIMEOUT_S,
    STATEMENT_TIMEOUT_S,
    TCP_USER_TIMEOUT_S,
    DatabaseTimeouts,
)
from core.disclosure import KINDS, MAX_CAPTION_CHARS, MAX_LABEL_CHARS
from core.generation import (
    ControlEnd,
    ControlScale,
    GuidanceScale,
    Scheduler,
    Share,
    Steps,
    Strength,
)

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-change-me"}
DEFAULT_SECRET = "dev-secret-change-me"  # noqa: S105 - refused outside dev mode
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "secret", "password", "example")
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 8
MIN_SECRET_BITS = 80  # by its own character frequencies: 32 random hex digits give 92+
# zxcvbn's estimate of the guesses a secret needs, per character (log10): random hex and
# token_urlsafe strings give 0.90-1.0, English phrases about 0.77, repeated words 0.3.
MIN_GUESSES_LOG10_PER_CHAR = 0.84
ESTIMATED_CHARS = 100  # zxcvbn's matching grows with the square of the length


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
    sample = value[:ESTIMATED_CHARS]
    if zxcvbn(sample)["guesses_log10"] < MIN_GUESSES_LOG10_PER_CHAR * len(sample):
        return "follows a pattern (words, dates, repeats or keyboard runs) a guesser tries first"
    return None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


ROLE_NAMES = ("agent", "merchandiser", "admin")
"""accounts.models.Role's values (core imports no accounts)."""


def comma_list(value: str) -> list[str]:
    """`a, B ,c` as ["a", "b", "c"]: trimmed, lower-cased, empty entries dropped."""
    return [part.strip().lower() for part in value.split(",") if part.strip()]


def role_map(value: object) -> object:
    """OIDC_ROLE_MAP as a dict: a JSON object, or `group=role, group=role`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("{"):
        return json.loads(text)
    pairs = [part.partition("=") for part in text.split(",") if part.strip()]
    bad = [name for name, sign, _ in pairs if not sign]
    if bad:
        raise ValueError(f"not `group=role`: {', '.join(name.strip() for name in bad)}")
    return {name.strip(): role.strip() for name, _, role in pairs}


def networks(value: str) -> list[Network]:
    """`10.0.0.1, 10.1.0.0/16, ::1` as networks; ValueError on an entry that is none."""
    parts = (part.strip() for part in value.split(","))
    return [ipaddress.ip_network(part, strict=False) for part in parts if part]


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


MODEL_REVISIONS: dict[str, str] = {
    "diffusers/stable-diffusion-xl-1.0-inpainting-0.1": "115134f363124c53c7d878647567d04daf26e41e",
    "madebyollin/sdxl-vae-fp16-fix": "207b116dae70ace3637169f1ddd2434b91b3a8cd",
    "diffusers/controlnet-depth-sdxl-1.0": "17bb97973f29801224cd66f192c5ffacf82648b4",
    "depth-anything/Depth-Anything-V2-Small-hf": "5426e4f0f36572d16453bbda7a8389317b1bef99",
    "lllyasviel/Annotators": "982e7edaec38759d914a963c48c4726685de7d96",
    "openai/clip-vit-base-patch32": "3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268",
    "ByteDance/SDXL-Lightning": "c9a24f48e1c025556787b0c58dd67a091ece2e44",
    "h94/IP-Adapter": "018e402774aeeddd60609b4ecdb7e298259dc729",
}
"""The Hugging Face commit each default (or suggested) model id is pinned to; docs/models.md says
where each was read. openmmlab/upernet-convnext-small has none: no commit of it was verified."""
MODEL_FIELDS = (
    "base_model", "vae_model", "controlnet_depth_model", "controlnet_mlsd_model",
    "segmentation_model", "depth_model", "mlsd_model", "lightning_lora_model",
    "ip_adapter_model", "quality_clip_model",
)  # fmt: skip
"""The SdxlSettings fields that hold a model id."""
REVISION = re.compile(r"^([0-9a-f]{40})?$")


class SdxlSettings(BaseSettings):
    """Model ids and knobs of the sdxl generator (env prefix SDXL_); see docs/models.md."""

    model_config = SettingsConfigDict(
        env_prefix="SDXL_", extra="ignore", use_attribute_docstrings=True
    )

    base_model: str = "diffusers/stable-diffusion-xl-1.0-inpainting-0.1"
    """SDXL inpainting model id"""
    vae_model: str = "madebyollin/sdxl-vae-fp16-fix"
    """VAE model id"""
    controlnet_depth_model: str = "diffusers/controlnet-depth-sdxl-1.0"
    """Depth ControlNet id"""
    controlnet_mlsd_model: str = ""
    """Optional MLSD ControlNet id (empty: off)"""
    segmentation_model: str = "openmmlab/upernet-convnext-small"
    """ADE20K segmentation model id (any `AutoModelForSemanticSegmentation` ADE20K checkpoint;
    empty = geometric fallback mask); verify the model card's licence"""
    depth_model: str = "depth-anything/Depth-Anything-V2-Small-hf"
    """Depth estimation model id"""
    mlsd_model: str = "lllyasviel/Annotators"
    """MLSD annotator weights"""
    lightning_lora_model: str = ""
    """SDXL-Lightning LoRA repo for the fast tier (`ByteDance/SDXL-Lightning`; empty: off)"""
    lightning_lora_weight: str = "sdxl_lightning_8step_lora.safetensors"
    """File name of that LoRA in its repo"""
    ip_adapter_model: str = ""
    """IP-Adapter repo for style reference images (`h94/IP-Adapter`; empty: off)"""
    ip_adapter_subfolder: str = "sdxl_models"
    """Subfolder of the IP-Adapter weights"""
    ip_adapter_weight: str = "ip-adapter_sdxl.safetensors"
    """File name of the IP-Adapter weights"""
    ip_adapter_layers: str = Field("style", pattern="^(style|all)$")
    """`style`: the reference image steers only the UNet's style layer (its room layout does not
    leak in); `all`: every layer"""
    model_revisions: dict[str, str] = {}
    """JSON object model id → Hugging Face commit (40 hex digits), merged over the pins of the
    default ids (`MODEL_REVISIONS`, docs/models.md); `""` unpins one; an id without a pin loads
    its main branch"""
    variant: str = "fp16"
    """Weight variant loaded from the base, VAE and ControlNet repos, each falling back to its
    full-precision files (empty = full precision files)"""
    mlsd_resolution: int = Field(512, ge=64, le=2048)
    """Short side the MLSD annotator works at"""

    device: str = "auto"
    """`auto` (CUDA when available, else CPU), `cuda`, `cuda:1` or `cpu`"""
    dtype: str = Field("float16", pattern="^(float16|bfloat16|float32)$")
    """`float16`, `bfloat16` or `float32` on GPU; the CPU always runs float32"""
    channels_last: bool = True
    """channels_last memory format for UNet, ControlNets and VAE"""
    fuse_qkv: bool = True
    """Fuse attention QKV projections (the UNet stays unfused with a LoRA or IP-Adapter)"""
    compile: bool = False
    """Regional `torch.compile` of the transformer blocks (slow first start)"""
    compile_backend: str = Field("inductor", pattern="^(inductor|eager)$")
    """`torch.compile` backend: `inductor` (kernels); `eager` traces and guards the same way
    without kernels, for CPU tests"""
    compile_mode: str = Field(
        "default", pattern="^(default|reduce-overhead|max-autotune|max-autotune-no-cudagraphs)$"
    )
    """`torch.compile` mode: `default`, `reduce-overhead`, `max-autotune`,
    `max-autotune-no-cudagraphs`"""
    warmup: bool = True
    """With `SDXL_COMPILE`, run one short job of every shape the worker serves at start (modes,
    tiers, 1 and 2 variants, with and without a reference image), so no job compiles"""

    target_pixels: int = Field(1024 * 1024, ge=4096, le=4096 * 4096)
    """Area of the first generation pass (1024²): the mask's crop is resized to the nearest
    bucket"""
    bucket_multiple: int = Field(64, ge=8, le=256)
    """Working width and height are multiples of this"""
    crop_margin_fraction: float = Field(0.05, ge=0, le=0.5)
    """Context kept around the mask's bounding box, as a share of the photo's long side"""
    detail_min_resolution: float = Field(0.5, ge=0, le=1)
    """The staged crop ends up with at least this many generated pixels per photo pixel (along its
    width and height): when the first pass has fewer, a detail pass re-denoises the crop at the
    size that reaches it (0 = no detail pass)"""
    detail_scale: float = Field(3.0, ge=1, le=4)
    """The detail pass is at most this many times the first pass's width and height: a memory
    guard for very large photos (1 = no detail pass)"""
    detail_strength: float = Field(0.3, gt=0, le=1)
    """Denoising strength of the detail pass"""
    detail_steps: int = Field(7, ge=1, le=50)
    """Denoising steps of the detail pass, at most (its strength's share of the job's steps when
    that is fewer, as in the fast tier)"""

    prompt_suffix: str = (
        "professionally staged, interior design photography, photorealistic, natural light"
    )
    """Appended to every style prompt"""
    negative_prompt: str = (
        "people, text, watermark, blurry, distorted, deformed furniture, floating objects"
    )
    """Default negative prompt; a style's negative prompt is put before it, not in its place"""
    steps: Steps = 30
    """Denoising steps of the standard tier"""
    guidance_scale: GuidanceScale = 6.0
    """Classifier-free guidance scale"""
    strength: Strength = 0.99
    """Inpainting strength (1 = ignore the masked pixels entirely)"""
    scheduler: Scheduler = "dpmpp_2m_karras"
    """Sampler: one of the names in `SCHEDULERS` (`core/generation.py`)"""
    depth_scale: ControlScale = 0.6
    """Depth ControlNet conditioning scale (0 = skip depth)"""
    mlsd_scale: ControlScale = 0.4
    """Lines ControlNet conditioning scale (used only with `SDXL_CONTROLNET_MLSD_MODEL`)"""
    control_end: ControlEnd = 0.8
    """Fraction of the steps during which the ControlNets act"""
    depth_in_mask: Share = 0.0
    """How much of the photo's depth the depth ControlNet sees inside the staging mask: 0 blanks
    it (the empty floor's flat depth argues against furniture standing on it), 1 keeps it all"""
    ip_adapter_scale: ControlScale = 0.5
    """Default strength of the style reference image"""
    lightning_steps: int = Field(8, ge=1, le=16)
    """Denoising steps of the fast tier"""

    wall_band_fraction: float = Field(0.25, ge=0, le=1)
    """Height (of the image) of the wall band above the floor that may be staged"""
    mask_dilate_fraction: float = Field(0.01, ge=0, le=0.2)
    """Mask dilation, as a fraction of the short side"""
    mask_feather_fraction: float = Field(0.01, ge=0, le=0.2)
    """Feather of the mask edge inside the mask, as a fraction of the short side"""
    fallback_floor_fraction: float = Field(0.45, gt=0, le=1)
    """With `SDXL_SEGMENTATION_MODEL=""`, the bottom fraction of the photo taken as the floor"""
    quality_clip_model: str = "openai/clip-vit-base-patch32"
    """Quality gate (sdxl only): CLIP model of the style-adherence score; empty turns that score
    off"""
    removal_dilate_fraction: float = Field(0.02, ge=0, le=0.2)
    """Declutter/restage: growth of the furniture removal mask, as a fraction of the short side
    """
    declutter_prompt: str = (
        "an empty {room_type}, nothing on the floor, plain walls, "
        "real estate photography, photorealistic"
    )
    """Prompt of the furniture removal pass (declutter, and the first pass of restage); it names
    no floor covering, so carpet is repainted as carpet and hard floor as hard floor"""
    declutter_negative_prompt: str = (
        "furniture, sofa, chair, table, bed, lamp, boxes, clutter, objects, people, text, watermark"
    )
    """Negative prompt of the furniture removal pass"""

    label_enabled: bool = True
    """Draw a disclosure label on the results (clean copies are kept too); `false` where an MLS
    forbids a watermark"""
    label_text: str = Field("", max_length=MAX_LABEL_CHARS)
    """Deprecated: the label of staged photos; `DISCLOSURE` words every kind's label (set, it
    still wins over the default `Virtually staged`)"""
    label_position: str = Field("bottom_right", pattern="^(top|bottom)_(left|center|right)$")
    """`top_` or `bottom_` + `left`, `center` or `right`"""
    label_size_fraction: float = Field(0.035, gt=0, le=0.2)
    """Label text height as a fraction of the short side"""

    @field_validator("model_revisions")
    @classmethod
    def _check_revisions(cls, revisions: dict[str, str]) -> dict[str, str]:
        bad = sorted(model for model, commit in revisions.items() if not REVISION.match(commit))
        if bad:
            raise ValueError(f"not a 40-hex-digit commit (or empty) for {', '.join(bad)}")
        return revisions

    def revision(self, model_id: str) -> str | None:
        """The commit model_id is pinned to, or None (main branch, or a local directory)."""
        return {**MODEL_REVISIONS, **self.model_revisions}.get(model_id) or None


class DisclosureWording(BaseModel):
    """A deployment's own words for one kind of alteration (empty: the default's)."""

    model_config = ConfigDict(extra="forbid")

    caption: str = Field("", max_length=MAX_CAPTION_CHARS)
    label: str = Field("", max_length=MAX_LABEL_CHARS)


class Settings(BaseSettings):
    """Every setting of the API and the worker.

    Each field's docstring names who reads it (API, W for the worker, retention), then what it
    does; `python -m devops.config_tables --write` turns them into the README's and OPERATIONS.md's
    configuration tables. SdxlSettings' fields are all read by the worker.
    """

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", use_attribute_docstrings=True
    )

    app_env: AppEnv = AppEnv.DEV
    """API, W: `prod` everywhere real: enforces secrets, Secure cookies"""
    secret_key: str = DEFAULT_SECRET
    """API, W: 32+ random chars (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`);
    signs local file URLs; outside dev mode a guessable value (repeats, runs, placeholder words,
    or a pattern the zxcvbn estimator finds: words, dates, keyboard runs) is refused"""
    base_url: str = "http://127.0.0.1:8000"
    """API: Public URL of the API (links, cookies)"""
    trusted_proxies: str = ""
    """API: Addresses or networks (`10.0.0.5, 10.1.0.0/16`) of the reverse proxies in front of the
    API; the client is the right-most `X-Forwarded-For` hop not among them. Empty: the peer is the
    client and `X-Forwarded-For` is ignored"""

    database_url: str = "sqlite:///./var/stagewright.db"
    """API, W: `postgresql+psycopg://user:pass@host:5432/db?sslmode=require` (`postgres://`
    accepted)"""
    database_pooled: bool = False
    """API, W: `DATABASE_URL` is PgBouncer in transaction mode: psycopg prepares no statements"""
    database_listen_url: str = ""
    """W: Direct PostgreSQL URL for the pod listener (LISTEN does not pass PgBouncer in transaction
    mode); empty: `DATABASE_URL`"""
    database_connect_timeout_s: int = Field(CONNECT_TIMEOUT_S, ge=2, le=60)
    """API, W: A new connection the server does not answer (TCP, TLS, login) fails after this
    (libpq `connect_timeout`, at least 2); with the 1 s check of an idle pooled connection, a
    request that meets a hung database is answered 503 within this plus 1 s"""
    database_statement_timeout_s: float = Field(STATEMENT_TIMEOUT_S, ge=1, le=3600)
    """API, W: Longest one statement may run: PostgreSQL's `statement_timeout`, sent at connect on
    direct connections (behind PgBouncer, set it on the role: OPERATIONS.md section 3.2); the
    client itself waits this plus 2 s for any answer, then drops the connection (a server that
    accepts but never answers)"""
    database_tcp_user_timeout_s: float = Field(TCP_USER_TIMEOUT_S, ge=1, le=600)
    """API, W: A connection whose sent bytes stay unacknowledged this long (a dead peer, a network
    black hole) is dropped (`tcp_user_timeout`; keepalives probe an idle one after 5 s)"""

    storage_backend: StorageBackend = StorageBackend.LOCAL
    """API, W: `r2` in production"""
    local_storage_dir: Path = Path("./var/storage")
    """API, W: Only for `local`"""
    r2_account_id: str = ""
    """API, W: Cloudflare account id (endpoint `https://<id>.r2.cloudflarestorage.com`)"""
    r2_endpoint_url: str = ""
    """API, W: Overrides the endpoint (MinIO, another S3 store); one of these two is required"""
    r2_access_key_id: str = ""
    """API, W: R2 API token, Object Read & Write on the bucket"""
    r2_secret_access_key: str = ""
    """API, W: Its secret"""
    r2_bucket: str = ""
    """API, W: Bucket name (private)"""
    r2_url_expiry_s: int = Field(3600, ge=60, le=7 * 24 * 3600)
    """API: Lifetime of presigned image URLs (60 s - 7 days)"""
    r2_connect_timeout_s: float = Field(5.0, gt=0, le=120)
    """API, W: Connect timeout per R2 request"""
    r2_read_timeout_s: float = Field(30.0, gt=0, le=600)
    """API, W: Read timeout per R2 request"""
    r2_max_attempts: int = Field(5, ge=1, le=10)
    """API, W: Attempts per R2 call (botocore standard retries) before `StorageError`"""
    r2_call_timeout_s: float = Field(30.0, gt=0, le=600)
    """API, W: Longest one R2 call may take, botocore's retries included; then `StorageError` (the
    `/readyz` probe waits 2 s)"""

    generator: GeneratorName = GeneratorName.PREVIEW
    """W: `sdxl` on GPU pods (deploy.sh sets it), `preview` for the CPU worker"""
    worker_id: str = ""
    """W: Name in the workers table and `locked_by`; leave it empty for pod-or-host, pid, random"""
    poll_interval_s: float = Field(3.0, gt=0, le=60)
    """W: Polling fallback when NOTIFY is missed"""
    lease_s: float = Field(20.0, ge=3, le=3600)
    """W, API (`/metrics`): Job lease; heartbeat every lease/3; a dead worker's job is reclaimed
    after this; a worker whose heartbeat fails for this long stops its job"""
    max_attempts: int = Field(3, ge=1, le=20)
    """API: Attempts per job before `failed`"""
    retry_base_s: float = Field(5.0, ge=0)
    """W: Retry backoff base (doubles per attempt, ±20 % jitter)"""
    retry_cap_s: float = Field(300.0, ge=0)
    """W: Retry backoff cap"""
    shutdown_grace_s: float = Field(30.0, ge=0)
    """W: On SIGTERM, time to finish the current job before releasing it; a generator step still
    running 0.25 s after it is abandoned and the worker exits within 1 s of it"""
    finish_retry_s: float = Field(300.0, ge=0, le=24 * 3600)
    """W: How long the write that ends a job (its results, its error) is tried again while
    PostgreSQL is unreachable, from the job's end; at least until its lease ends. Past the lease
    it is still safe: the write lands only if no other claim took the job meanwhile"""
    progress_interval_s: float = Field(0.25, gt=0, le=10)
    """W: Minimum interval between progress writes"""
    worker_liveness_file: Path = Path("./var/worker.alive")
    """W: File the worker keeps fresh while healthy (deploy.sh: `run/worker-<i>.alive`)"""
    wake_dir: Path = Path("./var/wake")
    """W: Folder the workers of one pod share for wake-ups (one listener per pod; see
    docs/worker.md)"""
    preview_step_delay_s: float = Field(0.05, ge=0, le=10)
    """W: Pause per preview-generator step (progress and cancel visible; 0 in tests)"""
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    """W: `DEBUG`, `INFO`, `WARNING` or `ERROR`; logs are JSON lines on stderr"""

    max_upload_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    """API: Upload size limit (25 MB)"""
    max_upload_pixels: int = Field(40_000_000, ge=10_000)
    """API: Upload pixel limit (40 MP)"""
    min_upload_side_px: int = Field(256, ge=1, le=4096)
    """API: Smallest accepted short side of an upload"""
    browser_downscale_px: int = Field(2560, ge=0, le=16384)
    """API: New staging scales a photo whose long edge is above this down to it in the browser
    before upload (0 = never)"""
    enhance_before_staging: bool = False
    """API: Whether New staging's "Enhance before staging" box starts ticked, and what an API
    request without `enhance` gets; the worker then auto-enhances the photo (exposure, colour,
    verticals) before it stages, declutters, restages, replaces the sky or grades to dusk"""
    daily_quota: int = Field(50, ge=0)
    """API: Jobs per user per UTC day; a user's own quota (admin console) overrides it; 0 blocks new
    jobs"""
    jpeg_quality: int = Field(92, ge=50, le=100)
    """W: Quality of result JPEGs"""
    offer_clean_copy: bool = True
    """API: Offer "Download without label" next to the labelled result (set `false` where an MLS
    requires the watermark)"""
    disclosure: dict[str, DisclosureWording] = Field(default={})
    """API, W: A deployment's wording of the disclosure per kind of alteration, as JSON:
    `{"declutter": {"caption": "…", "label": "…"}}` (kinds: `stage`, `declutter`, `restage`,
    `enhance`, `sky`, `twilight`; empty: the defaults in `core/disclosure.py`); the caption shows
    on the job page and in the MLS zip's `caption.txt`, the label is drawn on the result"""
    mls_caption: str = Field("", max_length=MAX_CAPTION_CHARS)
    """API: Deprecated: the caption of staged photos; `DISCLOSURE` words every kind's caption
    (set, it still wins over the default)"""
    mls_long_edge_px: int = Field(2048, ge=0, le=16384)
    """API: Long edge of the images in the MLS zip (0 = full size)"""
    api_token_ttl_s: int = Field(30 * 24 * 3600, ge=60, le=366 * 24 * 3600)
    """API: Lifetime of API bearer tokens (30 days)"""
    session_ttl_s: int = Field(14 * 24 * 3600, ge=60, le=366 * 24 * 3600)
    """API: Lifetime of web UI session cookies (14 days)"""

    metrics_token: str = ""
    """API: Bearer token Prometheus must send to `/metrics` (same randomness check as `SECRET_KEY`);
    empty: `/metrics` is open in dev mode and off (404) in production"""
    signin_free_failures: int = Field(5, ge=1, le=1000)
    """API: Sign-in attempts for an account from one client address before it locks (an address
    over all accounts gets 4 times as many, an account from everywhere 10 times; a right password
    takes its attempt back)"""
    signin_lock_base_s: float = Field(1.0, gt=0, le=3600)
    """API: First lock past an allowance; each further attempt doubles it"""
    signin_lock_max_s: float = Field(900.0, gt=0, le=7 * 24 * 3600)
    """API: Longest sign-in lock"""
    password_sign_in: bool = True
    """API: `false`: email and password no longer sign anyone in (web form and
    `POST /api/v1/auth/token`) except the BREAK_GLASS_EMAILS; people sign in through the OpenID
    provider"""
    break_glass_emails: str = ""
    """API: Comma-separated emails that may still sign in with a password while
    PASSWORD_SIGN_IN is `false` (the admin's way in when the provider is down; OPERATIONS.md)"""
    oidc_issuer: str = ""
    """API: OpenID Connect issuer URL (`https://login.example.com/oauth2/default`); its
    `/.well-known/openid-configuration` is read for the endpoints and keys. Empty: no single
    sign-on"""
    oidc_client_id: str = ""
    """API: The client id registered at the provider; the ID token's audience must be it"""
    oidc_client_secret: str = ""
    """API: The client's secret (set it in the environment, never in a file in the repository);
    PKCE is used as well"""
    oidc_provider_name: str = Field("single sign-on", min_length=1, max_length=60)
    """API: The sign-in page's button says "Sign in with <this>" (`Okta`, `Microsoft`,
    `Google`)"""
    oidc_scopes: str = "openid email profile"
    """API: Scopes asked for; `openid` is required, add e.g. `groups` where the provider sends
    the role claim only for its scope"""
    oidc_role_claim: str = "groups"
    """API: The ID token or userinfo claim (a string or a list of strings) OIDC_ROLE_MAP reads"""
    oidc_role_map: Annotated[dict[str, str], NoDecode] = Field(default={})
    """API: Claim value to role (`agent`, `merchandiser`, `admin`), as JSON or
    `staging-agents=agent,staging-admins=admin`; the highest matching role wins and is set at
    every sign-in (the last active admin is never demoted)"""
    oidc_default_role: str = Field("", pattern="^(|agent|merchandiser|admin)$")
    """API: Role of a new user none of whose claim values is in OIDC_ROLE_MAP (a known one keeps
    the role the admin console gave them); empty: such users are refused"""
    oidc_allowed_domains: str = ""
    """API: Comma-separated email domains that may sign in through the provider
    (`brokerage.com, brokerage.co.uk`); empty: any domain"""
    oidc_trust_unverified_email: bool = False
    """API: Accept the provider's email without `email_verified: true` (Entra ID sends no such
    claim); the email links the first sign-in to an existing user"""
    oidc_timeout_s: float = Field(10.0, gt=0, le=60)
    """API: Deadline of each call to the provider (discovery, keys, token, userinfo)"""
    quality_max_rerolls: int = Field(2, ge=0, le=5)
    """W: Quality gate: how many times a variant below its style's thresholds is generated again
    with a new seed"""
    quality_max_gpu_s: float = Field(90.0, gt=0, le=3600)
    """W: Quality gate: a job's generation seconds (first attempt and re-rolls together); a re-roll
    round starts only if its estimated time still fits"""

    retention_days: int = Field(90, ge=1, le=36500)
    """retention: Final jobs older than this are deleted with their images"""
    retention_batch_size: int = Field(500, ge=1, le=10_000)
    """retention: Jobs per batch (one short transaction each)"""

    webhook_allow_private: bool = False
    """API, webhooks: Allow webhook endpoints on private, loopback, link-local or other non-public
    addresses (tests, a CRM inside the network); off, they are refused at registration and, after
    DNS resolution, at every delivery"""
    webhook_connect_timeout_s: float = Field(5.0, gt=0, le=60)
    """webhooks: Longest wait to connect to an endpoint"""
    webhook_read_timeout_s: float = Field(10.0, gt=0, le=300)
    """webhooks: Longest wait for an endpoint's whole answer once connected (status, headers and
    the body up to `WEBHOOK_MAX_RESPONSE_BYTES`); past it the attempt failed"""
    webhook_max_response_bytes: int = Field(64 * 1024, ge=0, le=10 * 1024 * 1024)
    """webhooks: Most bytes of an answer's body read (the rest is not read)"""
    webhook_retry_base_s: float = Field(10.0, gt=0, le=3600)
    """webhooks: First retry delay; it doubles with each failed attempt (±20% jitter)"""
    webhook_retry_cap_s: float = Field(3600.0, gt=0, le=24 * 3600)
    """webhooks: Longest delay between two attempts"""
    webhook_give_up_s: float = Field(24 * 3600.0, gt=0, le=30 * 24 * 3600)
    """webhooks: A delivery without a 2xx answer this long after its event (or after "send
    again") is marked failed"""
    webhook_concurrency: int = Field(4, ge=1, le=64)
    """webhooks: Deliveries one dispatcher sends at the same time"""
    webhook_poll_interval_s: float = Field(1.0, gt=0, le=60)
    """webhooks: How often an idle dispatcher looks for new events and due deliveries"""
    webhook_log_days: int = Field(30, ge=1, le=3650)
    """webhooks: Events older than this are deleted with their deliveries (hourly; never one with
    a delivery still pending)"""

    sdxl: SdxlSettings = Field(default_factory=SdxlSettings)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, url: str) -> str:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator("trusted_proxies")
    @classmethod
    def _check_networks(cls, value: str) -> str:
        networks(value)  # a ValueError names the bad entry
        return value

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _parse_role_map(cls, value: object) -> object:
        return role_map(value)

    @field_validator("oidc_role_map")
    @classmethod
    def _known_roles(cls, mapping: dict[str, str]) -> dict[str, str]:
        unknown = sorted({role for role in mapping.values() if role not in ROLE_NAMES})
        if unknown:
            raise ValueError(f"unknown role {', '.join(unknown)}; use {', '.join(ROLE_NAMES)}")
        return mapping

    @model_validator(mode="after")
    def _check_sso(self) -> Settings:
        if not self.oidc_issuer:
            if not self.password_sign_in:
                raise ValueError("PASSWORD_SIGN_IN=false needs single sign-on: set OIDC_ISSUER")
            return self
        missing = [name.upper() for name in ("oidc_client_id",) if not getattr(self, name)]
        if missing:
            raise ValueError(f"OIDC_ISSUER is set but {', '.join(missing)} is not")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("OIDC_SCOPES must include openid")
        if not (self.oidc_role_map or self.oidc_default_role):
            raise ValueError("set OIDC_ROLE_MAP or OIDC_DEFAULT_ROLE, or nobody can sign in")
        return self

    @field_validator("disclosure")
    @classmethod
    def _known_kinds(cls, wording: dict[str, DisclosureWording]) -> dict[str, DisclosureWording]:
        unknown = sorted(set(wording) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind {', '.join(unknown)}; use {', '.join(KINDS)}")
        return wording

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
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            raise ValueError("OIDC_ISSUER must be an https:// URL outside dev mode")
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
    def database_timeouts(self) -> DatabaseTimeouts:
        """The bounds of every database round trip (core/db_timeouts.py)."""
        return DatabaseTimeouts(
            connect_s=self.database_connect_timeout_s,
            statement_s=self.database_statement_timeout_s,
            tcp_user_s=self.database_tcp_user_timeout_s,
        )

    @property
    def sso_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def trusted_networks(self) -> list[Network]:
        return networks(self.trusted_proxies)

    @property
    def r2_endpoint(self) -> str:
        return self.r2_endpoint_url or f"https://{self.r2_account_id}.r2.cloudflarestorage.com"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
