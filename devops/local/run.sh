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

# A second `make run` would only fail later on the busy port: say so before touching anything.
if ! "$PY" - "$PORT" <<'PY'
import socket, sys
with socket.socket() as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
then
  echo "Port $PORT is already in use: Stagewright (or something else) is running at http://127.0.0.1:$PORT." >&2
  echo "Open that address, stop the other process, or start on another port: make run PORT=8001" >&2
  exit 1
fi

"$PY" -m alembic upgrade head
"$PY" seed.py --demo

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$PY" -m uvicorn api.app:create_app --factory --host 127.0.0.1 --port "$PORT" --no-proxy-headers --log-level warning &
pids+=($!)
"$PY" worker.py &
pids+=($!)
"$PY" -m webhooks &
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
