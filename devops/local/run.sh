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

"$PY" - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
        break
    except OSError:
        time.sleep(0.2)
PY
cat <<MSG

  Stagewright is running at $BASE_URL
  Sign in as the demo agent:        agent@stagewright.local / stagewright-demo
  or the demo admin (merchandiser): admin@stagewright.local / stagewright-admin
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
