#!/usr/bin/env bash
# Stops the supervised workers deploy.sh started: SIGTERM, then waits for each to finish or
# release its job (the worker's SHUTDOWN_GRACE_S) before returning.
set -euo pipefail

WORKSPACE=${WORKSPACE:-/workspace/stagewright}
RUN_DIR="$WORKSPACE/run"
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-120}

shopt -s nullglob
pids=()
for pidfile in "$RUN_DIR"/worker-*.pid; do
  pid=$(<"$pidfile")
  if kill -TERM "$pid" 2>/dev/null; then
    echo "stopping $(basename "$pidfile" .pid) (supervisor pid $pid)"
    pids+=("$pid")
  else
    rm -f "$pidfile"
  fi
done
deadline=$((SECONDS + STOP_TIMEOUT_S))
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "stop.sh: pid $pid still running after ${STOP_TIMEOUT_S}s; check its log" >&2
      exit 1
    fi
    sleep 0.2
  done
done
echo "stopped ${#pids[@]} worker(s)"
