#!/usr/bin/env bash
# Starts the whole product on the embedded default: SQLite, local storage, preview worker.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
export APP_ENV=${APP_ENV:-dev}
export POLL_INTERVAL_S=${POLL_INTERVAL_S:-1}
export BASE_URL=${BASE_URL:-http://127.0.0.1:$PORT}
mkdir -p var

"$PY" -m alembic upgrade head
"$PY" seed.py --demo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$PY" -m uvicorn api.app:create_app --factory --host 127.0.0.1 --port "$PORT" --log-level warning &
pids+=($!)
"$PY" worker.py &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<MSG

  Stagewright is running at $BASE_URL
  Sign in as the demo agent:        agent@stagewright.local / stagewright-demo
  or the demo admin (merchandiser): admin@stagewright.local / stagewright-admin
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
