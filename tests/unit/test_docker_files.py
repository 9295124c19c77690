"""devops/docker and docker-compose.yml: hadolint clean and wired to settings that validate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from core.settings import Settings, StorageBackend

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "devops" / "docker"
HADOLINT = Path(sys.executable).parent / "hadolint"


def test_dockerfiles_are_hadolint_clean() -> None:
    files = [DOCKER / "Dockerfile.api", DOCKER / "Dockerfile.worker"]
    result = subprocess.run(
        [str(HADOLINT), "--no-color", *map(str, files)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_api_image_has_no_gpu_libraries_and_runs_unprivileged() -> None:
    dockerfile = (DOCKER / "Dockerfile.api").read_text()
    instructions = [ln for ln in dockerfile.splitlines() if not ln.startswith("#")]
    assert not [ln for ln in instructions if "requirements-gpu" in ln or "torch" in ln]
    assert "USER 10001" in dockerfile
    assert '"api.app:create_app", "--factory"' in dockerfile
    requirements = (ROOT / "requirements.lock").read_text().lower()
    for gpu_package in ("torch", "diffusers", "transformers", "controlnet"):
        assert gpu_package not in requirements
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", ".env"} <= set(ignored)


def test_worker_image_bakes_models_only_when_asked() -> None:
    dockerfile = (DOCKER / "Dockerfile.worker").read_text()
    assert dockerfile.startswith("#") and "FROM nvidia/cuda:" in dockerfile
    assert "ARG BAKE_MODELS=0" in dockerfile
    assert 'if [ "$BAKE_MODELS" = "1" ]; then' in dockerfile
    assert "USER 10001" in dockerfile


def test_worker_image_can_compile_triton_launchers_and_keeps_kernels() -> None:
    """SDXL_COMPILE=true: Triton compiles a C launcher at run time against Python.h (uv's Python
    carries its headers); compiled kernels live on the weights volume."""
    dockerfile = (DOCKER / "Dockerfile.worker").read_text()
    install = next(
        " ".join(block.split())
        for block in dockerfile.replace("\\\n", " ").split("\nRUN ")
        if "apt-get install" in block
    )
    packages = install.split("--no-install-recommends", 1)[1].split("&&", 1)[0].split()
    assert {"gcc", "libc6-dev"} <= set(packages)
    assert 'uv venv --seed --python "$PYTHON_VERSION" /opt/venv' in install
    assert "ARG PYTHON_VERSION=3.11" in dockerfile  # the version the locks resolve for
    assert "HF_HOME=/models" in dockerfile
    assert "TORCHINDUCTOR_CACHE_DIR=/models/torchinductor" in dockerfile
    assert "TORCHINDUCTOR_FX_GRAPH_CACHE=1" in dockerfile


def test_compose_wires_postgres_minio_and_valid_settings() -> None:
    compose = yaml.safe_load((ROOT / "devops" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "minio",
        "create-bucket",
        "migrate",
        "seed",
        "api",
        "worker",
    }
    assert services["postgres"]["image"] == "postgres:15"
    env = services["api"]["environment"]
    unknown = [name for name in env if name.lower() not in Settings.model_fields]
    assert unknown == []
    settings = Settings(_env_file=None, **{name.lower(): value for name, value in env.items()})
    assert settings.storage_backend is StorageBackend.R2
    assert settings.r2_endpoint == "http://minio:9000"
    minio = services["minio"]["environment"]
    assert (settings.r2_access_key_id, settings.r2_secret_access_key) == (
        minio["MINIO_ROOT_USER"],
        minio["MINIO_ROOT_PASSWORD"],
    )
    assert (
        f"mc mb --ignore-existing local/{settings.r2_bucket}"
        in services["create-bucket"]["command"][0]
    )
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in settings.database_url

    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    for service, needs in [("seed", "migrate"), ("api", "seed"), ("worker", "seed")]:
        assert services[service]["depends_on"][needs]["condition"] == (
            "service_completed_successfully"
        )
    assert services["worker"]["environment"]["GENERATOR"] == "preview"
    assert services["worker"]["command"] == ["python", "worker.py"]


def test_no_shipped_command_trusts_every_proxy() -> None:
    """The app picks the client address from TRUSTED_PROXIES; uvicorn must not rewrite it first."""
    launches = [
        DOCKER / "Dockerfile.api",
        ROOT / "devops" / "local" / "run.sh",
        ROOT / "OPERATIONS.md",
    ]
    for path in launches:
        text = path.read_text().replace("\\\n", " ")
        commands = [line for line in text.splitlines() if "create_app" in line and "--host" in line]
        assert commands, path
        assert all("--no-proxy-headers" in line for line in commands), path
        assert not any("--forwarded-allow-ips" in line for line in commands), path
