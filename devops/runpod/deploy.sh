#!/usr/bin/env bash
# Brings SDXL workers up on a RunPod pod: env check, driver check, the locked GPU requirements
# (the torch build the tests run), models, schema check, then one supervised worker per GPU.
# Safe to run twice; never migrates.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: devops/runpod/deploy.sh [--dry-run] [--workers N] [--help]

  --dry-run     print every step and the exact commands, change nothing
  --workers N   start N workers, worker i with CUDA_VISIBLE_DEVICES=i
                (default: one per GPU listed by `nvidia-smi -L`)
  --help        this text

Required environment: DATABASE_URL, R2_ACCOUNT_ID or R2_ENDPOINT_URL, R2_ACCESS_KEY_ID,
R2_SECRET_ACCESS_KEY, R2_BUCKET, SECRET_KEY. Optional: HF_TOKEN (gated models),
WORKSPACE (default /workspace/stagewright), PYTHON (default python3; must be Python 3.11),
GENERATOR (default sdxl).
Layout on the volume: $WORKSPACE/venv, $WORKSPACE/hf (HF_HOME), $WORKSPACE/torchinductor
(compiled kernels), $WORKSPACE/logs, $WORKSPACE/run.
USAGE
}

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO_DIR/devops/runpod"
WORKSPACE=${WORKSPACE:-/workspace/stagewright}
VENV="$WORKSPACE/venv"
LOG_DIR="$WORKSPACE/logs"
RUN_DIR="$WORKSPACE/run"
PYTHON=${PYTHON:-python3}
LOCK="$REPO_DIR/requirements-gpu.lock"
# What the lock installs from PyPI (its torch 2.15.0 for Linux x86_64 is the CUDA 13.2 build):
# the torch every test runs, and devops/docker/Dockerfile.worker's too.
TORCH_BUILD=2.15.0+cu132
LOCK_PYTHON=3.11
# CUDA 13 minor-version compatibility: a driver for any CUDA 13.x (580 or newer) runs it.
MIN_DRIVER_CUDA=13.0
DRY_RUN=0
WORKERS=""

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'deploy.sh: %s\n' "$*" >&2
  exit 1
}

# Runs a command, or only prints it (shell-quoted, exactly as it would run) under --dry-run.
run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if ((DRY_RUN)); then return 0; fi
  "$@"
}

parse_args() {
  while (($#)); do
    case $1 in
      --dry-run) DRY_RUN=1 ;;
      --workers)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--workers needs a positive number"
        WORKERS=$2
        shift
        ;;
      --workers=*)
        WORKERS=${1#--workers=}
        [[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "--workers needs a positive number"
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
  done
}

check_env() {
  say "step: check environment"
  local missing=() name
  for name in DATABASE_URL R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY R2_BUCKET SECRET_KEY; do
    [[ -n ${!name:-} ]] || missing+=("$name")
  done
  [[ -n ${R2_ACCOUNT_ID:-}${R2_ENDPOINT_URL:-} ]] || missing+=("R2_ACCOUNT_ID or R2_ENDPOINT_URL")
  if ((${#missing[@]})); then
    printf 'deploy.sh: missing required environment:\n' >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
  fi
  [[ -n ${HF_TOKEN:-} ]] || say "HF_TOKEN not set: fine unless a model id is gated"
}

# The newest CUDA version the driver supports, as "major.minor".
driver_cuda_version() {
  command -v nvidia-smi >/dev/null || die "nvidia-smi not found: is this a GPU pod?"
  local header version driver
  header=$(nvidia-smi) || die "nvidia-smi failed: no usable GPU driver"
  if [[ $header =~ CUDA\ Version:\ *([0-9]+)\.([0-9]+) ]]; then
    printf '%s.%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    return
  fi
  driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1)
  version=$(driver_to_cuda "${driver// /}") || die "cannot tell the CUDA version of driver $driver"
  printf '%s\n' "$version"
}

# Minimum Linux driver per CUDA release (NVIDIA's CUDA toolkit release notes, table 3).
driver_to_cuda() {
  local major=${1%%.*}
  [[ $major =~ ^[0-9]+$ ]] || return 1
  if ((major >= 580)); then echo 13.0; elif ((major >= 570)); then echo 12.8
  elif ((major >= 560)); then echo 12.6; elif ((major >= 550)); then echo 12.4
  elif ((major >= 530)); then echo 12.1; elif ((major >= 520)); then echo 11.8
  else echo 11.7; fi # older drivers stop at 11.7 or before: refused below
}

# Refuses a driver too old for the torch build; a CUDA 13 driver older than the build's 13.2
# runs it through minor-version compatibility.
check_driver() {
  local cuda=$1 have want
  [[ $cuda =~ ^([0-9]+)\.([0-9]+)$ ]] || die "unreadable CUDA version: $cuda"
  have=$((BASH_REMATCH[1] * 100 + BASH_REMATCH[2]))
  want=$((${MIN_DRIVER_CUDA%.*} * 100 + ${MIN_DRIVER_CUDA#*.}))
  ((have >= want)) || die "driver supports CUDA $cuda; torch $TORCH_BUILD needs a driver for \
CUDA $MIN_DRIVER_CUDA or newer (580+): update the NVIDIA driver or pick another pod type"
  if ((have < 1302)); then
    say "driver CUDA $cuda runs torch $TORCH_BUILD through CUDA minor-version compatibility"
  fi
}

check_python() {
  local version
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
    die "cannot run $PYTHON"
  [[ $version == "$LOCK_PYTHON" ]] || die "$PYTHON is Python $version; requirements-gpu.lock \
is resolved for Python $LOCK_PYTHON: set PYTHON to a python$LOCK_PYTHON"
}

install_requirements() {
  say "step: virtualenv $VENV"
  [[ -x $VENV/bin/python ]] || run "$PYTHON" -m venv "$VENV"
  say "step: requirements-gpu.lock (torch $TORCH_BUILD)"
  local stamp="$VENV/.requirements-gpu.sha256" sum have
  sum=$(sha256sum "$LOCK" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
    say "requirements-gpu.lock unchanged since the last install"
    return
  fi
  run "$VENV/bin/pip" install --require-hashes --no-deps -r "$LOCK"
  if ((DRY_RUN)); then return; fi
  have=$("$VENV/bin/python" -c 'import torch; print(torch.__version__)') ||
    die "torch does not import in $VENV"
  [[ $have == "$TORCH_BUILD" ]] || die "installed torch $have, expected $TORCH_BUILD"
  printf '%s\n' "$sum" >"$stamp"
}

prepare_models() {
  say "step: download-models (HF_HOME=$HF_HOME)"
  run "$VENV/bin/python" "$REPO_DIR/worker.py" download-models
  say "step: check-models"
  run "$VENV/bin/python" "$REPO_DIR/worker.py" check-models
}

check_schema() {
  say "step: schema at the migration head this code expects"
  local code='from core.db import make_engine
from core.migrations import require_head
from core.settings import get_settings
require_head(make_engine(get_settings().database_url))'
  run "$VENV/bin/python" -c "$code" ||
    die "database schema is not at head: run \`alembic upgrade head\` from the new release first \
(see OPERATIONS.md, upgrade order); workers not started"
}

start_workers() {
  local count=$1 i pidfile
  say "step: start $count worker(s), logs in $LOG_DIR"
  run mkdir -p "$LOG_DIR" "$RUN_DIR"
  for ((i = 0; i < count; i++)); do
    pidfile="$RUN_DIR/worker-$i.pid"
    if [[ -f $pidfile ]] && kill -0 "$(<"$pidfile")" 2>/dev/null; then
      say "worker-$i already running (supervisor pid $(<"$pidfile")): left as is; \
devops/runpod/stop.sh then deploy.sh to restart"
      continue
    fi
    run env CUDA_VISIBLE_DEVICES="$i" WORKER_LIVENESS_FILE="$RUN_DIR/worker-$i.alive" HF_HUB_OFFLINE=1 \
      "$HERE/supervise.sh" --name "worker-$i" --log-dir "$LOG_DIR" --pid-file "$pidfile" \
      --daemon -- "$VENV/bin/python" "$REPO_DIR/worker.py"
  done
}

gpu_count() {
  local count
  count=$(nvidia-smi -L | grep -c '^GPU ' || true)
  ((count > 0)) || die "nvidia-smi -L lists no GPU"
  printf '%s\n' "$count"
}

main() {
  parse_args "$@"
  if ((DRY_RUN)); then say "dry run: printing commands, changing nothing"; fi
  check_env
  export WORKSPACE HF_HOME=${HF_HOME:-$WORKSPACE/hf}
  export APP_ENV=${APP_ENV:-prod} STORAGE_BACKEND=${STORAGE_BACKEND:-r2}
  export GENERATOR=${GENERATOR:-sdxl}
  # Compiled kernels on the volume: a pod compiles once, later starts read them.
  export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-$WORKSPACE/torchinductor}
  export TORCHINDUCTOR_FX_GRAPH_CACHE=1 TORCHINDUCTOR_AUTOGRAD_CACHE=1
  say "step: detect CUDA driver"
  local cuda
  cuda=$(driver_cuda_version)
  check_driver "$cuda"
  say "driver CUDA $cuda, torch $TORCH_BUILD"
  check_python
  [[ -n $WORKERS ]] || WORKERS=$(gpu_count)
  run mkdir -p "$WORKSPACE" "$HF_HOME" "$TORCHINDUCTOR_CACHE_DIR"
  say "TORCHINDUCTOR_CACHE_DIR=$TORCHINDUCTOR_CACHE_DIR"
  cd "$REPO_DIR"
  install_requirements
  prepare_models
  check_schema
  start_workers "$WORKERS"
  say "done"
}

main "$@"
