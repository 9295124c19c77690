"""worker.py check-models and download-models against tiny saved models, offline."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.settings import MODEL_REVISIONS, SdxlSettings, Settings
from tests.factories import room_photo
from tests.support.sdxl import tiny_settings
from tests.support.tiny_models import TinyModels
from worker.models_cli import check_models, model_specs

ROOT = Path(__file__).resolve().parents[3]


def worker_cli(command: str, settings: Settings, hf_home: Path) -> subprocess.CompletedProcess:
    """`python worker.py <command>` offline, configured through SDXL_* environment variables."""
    sdxl = {f"SDXL_{k.upper()}": str(v) for k, v in settings.sdxl.model_dump().items()}
    env = {**os.environ, **sdxl, "HF_HUB_OFFLINE": "1", "HF_HOME": str(hf_home)}
    return subprocess.run(
        [sys.executable, "worker.py", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_check_models_passes_when_every_model_is_present(
    tiny_models: TinyModels, tmp_path: Path
) -> None:
    settings = tiny_settings(tiny_models)
    assert {spec.role for spec in model_specs(settings)} == {
        "base", "controlnet-depth", "controlnet-mlsd", "depth", "mlsd",
    }  # fmt: skip
    result = worker_cli("check-models", settings, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 5 models ready" in result.stdout


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("check-models", [r"^vae +stagewright-test/no-such-vae +missing", "not ready: vae$"]),
        ("download-models", ["^base: .* is a local directory", "^vae: FAILED stagewright-test"]),
    ],
)
def test_a_missing_model_is_named_and_fails_the_command(
    tiny_models: TinyModels, tmp_path: Path, command: str, expected: list[str]
) -> None:
    settings = tiny_settings(tiny_models, vae_model="stagewright-test/no-such-vae")
    result = worker_cli(command, settings, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    for line in expected:
        assert re.search(line, result.stdout, re.M), result.stdout


def test_check_models_reports_a_broken_config(tiny_models: TinyModels, tmp_path) -> None:
    broken = tmp_path / "controlnet"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    settings = tiny_settings(tiny_models, controlnet_mlsd_model=str(broken))
    assert check_models(settings) == 1


@pytest.mark.parametrize(
    ("role", "relative", "damage", "message"),
    [
        ("base", "unet/diffusion_pytorch_model.safetensors", "delete",
         "missing unet/diffusion_pytorch_model.safetensors"),
        ("base", "text_encoder_2/model.safetensors", "delete",
         "missing text_encoder_2/model.safetensors"),
        ("base", "vae/diffusion_pytorch_model.safetensors", "truncate",
         "truncated diffusion_pytorch_model.safetensors"),
        ("controlnet_depth", "diffusion_pytorch_model.safetensors", "delete",
         "missing controlnet-depth/diffusion_pytorch_model.safetensors (or its fp16 variant)"),
        ("depth", "model.safetensors", "truncate", "truncated model.safetensors"),
        ("mlsd", "mlsd_large_512_fp32.pth", "truncate", "unreadable mlsd_large_512_fp32.pth"),
    ],
)  # fmt: skip
def test_check_models_fails_naming_a_missing_or_damaged_weight_file(
    tiny_models: TinyModels,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    role: str,
    relative: str,
    damage: str,
    message: str,
) -> None:
    original = getattr(tiny_models, role)
    copy = tmp_path / original.name
    shutil.copytree(original, copy)
    target = copy / relative
    if damage == "delete":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    models = dataclasses.replace(tiny_models, **{role: copy})
    settings = tiny_settings(models, variant="fp16")
    assert check_models(settings) == 1
    assert message in capsys.readouterr().out


def test_check_models_reads_pickle_bin_weights(tiny_models: TinyModels, tmp_path: Path) -> None:
    """openmmlab/upernet-convnext-small ships only pytorch_model.bin."""
    from transformers import AutoModelForSemanticSegmentation

    segmenter = tmp_path / "upernet-bin"
    shutil.copytree(tiny_models.segmentation, segmenter)
    (segmenter / "model.safetensors").unlink()
    import torch

    model = AutoModelForSemanticSegmentation.from_pretrained(tiny_models.segmentation)
    torch.save(model.state_dict(), segmenter / "pytorch_model.bin")
    settings = tiny_settings(tiny_models, segmentation_model=str(segmenter), variant="fp16")
    assert check_models(settings) == 0
    from worker.vision.mask import Segmenter

    assert Segmenter.from_pretrained(str(segmenter), device="cpu").labels(room_photo()).shape == (
        64,
        96,
    )
    weights = segmenter / "pytorch_model.bin"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    weights.write_bytes(bytes(data))
    assert check_models(settings) == 1


def adapter_settings(dry_run_models: dict[str, str], **fields: str) -> Settings:
    """The dry run's models, LoRA and IP-Adapter included, production's other defaults."""
    values: dict[str, Any] = {**dry_run_models, "controlnet_mlsd_model": "", **fields}
    sdxl = SdxlSettings(**values)
    return Settings(sdxl=sdxl)


@pytest.mark.parametrize(
    ("relative", "damage", "message"),
    [
        (None, None, None),
        ("sdxl_models/image_encoder/model.safetensors", "delete",
         "missing image_encoder/model.safetensors"),
        ("sdxl_models/image_encoder/model.safetensors", "truncate",
         "truncated model.safetensors"),
        ("sdxl_models/image_encoder/config.json", "delete",
         "missing sdxl_models/image_encoder/config.json"),
        ("sdxl_models/ip-adapter_sdxl.safetensors", "truncate",
         "truncated ip-adapter_sdxl.safetensors"),
    ],
)  # fmt: skip
def test_dry_run_models_reads_the_ip_adapter_image_encoder_weights(
    dry_run_models: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    relative: str | None,
    damage: str | None,
    message: str | None,
) -> None:
    copy = tmp_path / "ip-adapter"
    shutil.copytree(dry_run_models["ip_adapter_model"], copy)
    if relative is not None:
        target = copy / relative
        if damage == "delete":
            target.unlink()
        else:
            target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    settings = adapter_settings(dry_run_models, ip_adapter_model=str(copy))
    assert "ip-adapter" in {spec.role for spec in model_specs(settings)}
    assert check_models(settings) == (0 if message is None else 1)
    out = capsys.readouterr().out
    assert (message or "all 8 models ready") in out


def test_dry_run_models_names_a_missing_pipeline_component(
    dry_run_models: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "sdxl-inpaint"
    shutil.copytree(dry_run_models["base_model"], base)
    shutil.rmtree(base / "text_encoder_2")
    (base / "scheduler" / "scheduler_config.json").unlink()
    assert check_models(adapter_settings(dry_run_models, base_model=str(base))) == 1
    assert "missing scheduler/scheduler_config.json" in capsys.readouterr().out


def hub_cache(root: Path, model_id: str, commit: str, source: str) -> Path:
    """A Hugging Face cache entry: the model's files as the snapshot of one commit."""
    snapshot = root / "hub" / f"models--{model_id.replace('/', '--')}" / "snapshots" / commit
    shutil.copytree(source, snapshot)
    return snapshot


def test_a_pinned_model_loads_its_own_commit_and_nothing_else(
    dry_run_models: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    from worker.weights import ModelNotDownloaded, pinned_settings

    depth = "diffusers/controlnet-depth-sdxl-1.0"
    pinned = MODEL_REVISIONS[depth]
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    other = hub_cache(tmp_path, depth, "0" * 40, dry_run_models["controlnet_depth_model"])
    values: dict[str, Any] = {**dry_run_models, "controlnet_depth_model": depth}
    settings = SdxlSettings(**values)
    with pytest.raises(ModelNotDownloaded, match=f"{depth} at {pinned}"):
        pinned_settings(settings)
    assert pinned_settings(settings.model_copy(update={"model_revisions": {depth: "0" * 40}}))
    snapshot = hub_cache(tmp_path, depth, pinned, dry_run_models["controlnet_depth_model"])
    resolved = pinned_settings(settings)
    assert resolved.controlnet_depth_model == str(snapshot) != str(other)
    assert resolved.base_model == dry_run_models["base_model"]  # a local directory stays


def test_dry_run_models_reads_the_pinned_commit_offline(
    dry_run_models: dict[str, str], tmp_path: Path
) -> None:
    depth = "diffusers/controlnet-depth-sdxl-1.0"
    settings = adapter_settings(dry_run_models, controlnet_depth_model=depth)
    hub_cache(tmp_path, depth, "1" * 40, dry_run_models["controlnet_depth_model"])
    result = worker_cli("check-models", settings, tmp_path)
    assert result.returncode == 1 and re.search(
        rf"^controlnet-depth +{depth} +missing", result.stdout, re.M
    )
    hub_cache(tmp_path, depth, MODEL_REVISIONS[depth], dry_run_models["controlnet_depth_model"])
    result = worker_cli("check-models", settings, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
