"""Where a pinned model's files are, which weight files a model directory needs, and whether
each is whole (no torch needed)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from core.settings import MODEL_FIELDS, SdxlSettings

DIFFUSERS_STEM = "diffusion_pytorch_model"
TRANSFORMERS_STEMS = ("model", "pytorch_model")


def weight_files(folder: Path, stems: tuple[str, ...], variant: str) -> list[Path] | str:
    """The files from_pretrained would read (the variant first, then plain; single or sharded),
    or a message naming the file that is missing."""
    for stem in stems:
        for name in ([f"{stem}.{variant}"] if variant else []) + [stem]:
            for suffix in (".safetensors", ".bin"):
                single, index = folder / f"{name}{suffix}", folder / f"{name}{suffix}.index.json"
                if single.is_file():
                    return [single]
                if index.is_file():
                    shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
                    return [folder / shard for shard in shards]
    either = f" (or its {variant} variant)" if variant else ""
    return f"missing {folder.name}/{stems[0]}.safetensors{either}"


def file_problem(path: Path) -> str | None:
    """None when the file is whole; else why not (missing, truncated, corrupt). safetensors: the
    size its header promises; .bin/.pth: every member's CRC."""
    if not path.is_file():
        return f"missing {path.parent.name}/{path.name}"
    size = path.stat().st_size
    try:
        if path.suffix == ".safetensors":
            with path.open("rb") as file:
                (length,) = struct.unpack("<Q", file.read(8))
                header = json.loads(file.read(length))
            end = max(
                (t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0
            )
            if size != 8 + length + end:
                return f"truncated {path.name}: {size} bytes, its header says {8 + length + end}"
        else:
            # torch.save has written zip archives since torch 1.6; testzip reads every CRC.
            if not zipfile.is_zipfile(path):
                return f"unreadable {path.name}: not a whole torch (zip) file"
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            if bad:
                return f"corrupt {path.name}: {bad} fails its CRC"
    except (OSError, ValueError, KeyError, struct.error, zipfile.BadZipFile) as exc:
        return f"unreadable {path.name}: {exc}"
    return None


class ModelNotDownloaded(Exception):
    """A pinned model's commit is not in the Hugging Face cache."""


def pinned_settings(settings: SdxlSettings) -> SdxlSettings:
    """The settings with every pinned hub id replaced by its cached snapshot of that commit, so
    every loader reads exactly that revision (offline); local directories and unpinned ids stay."""
    from huggingface_hub import snapshot_download

    update = {}
    # The annotators load only with their ControlNet.
    unused = {"depth_model": not settings.controlnet_depth_model,
              "mlsd_model": not settings.controlnet_mlsd_model}  # fmt: skip
    for name in MODEL_FIELDS:
        model_id = getattr(settings, name)
        commit = settings.revision(model_id)
        if not model_id or not commit or unused.get(name) or Path(model_id).is_dir():
            continue
        try:
            update[name] = snapshot_download(model_id, revision=commit, local_files_only=True)
        except Exception as exc:  # LocalEntryNotFoundError and the like: not downloaded
            raise ModelNotDownloaded(
                f"{model_id} at {commit} is not in the Hugging Face cache (HF_HOME): run "
                "`python worker.py download-models`"
            ) from exc
    return settings.model_copy(update=update)
