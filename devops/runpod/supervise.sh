#!/usr/bin/env bash
# Keeps one command running: restarts it with exponential backoff, logs to a size-rotated file,
# forwards SIGTERM/SIGINT to it and exits once it has stopped.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: supervise.sh --name NAME --log-dir DIR [--pid-file FILE] [--daemon] -- COMMAND [ARG...]

  --daemon   detach (new session, survives the terminal) and return at once
Environment (defaults): SUPERVISE_BACKOFF_MS (1000) first restart delay, doubled per quick
failure up to SUPERVISE_BACKOFF_MAX_MS (300000); a run longer than SUPERVISE_STABLE_S (60)
resets it. SUPERVISE_MAX_RESTARTS (-1 = forever). LOG_MAX_BYTES (52428800) rotates
DIR/NAME.log into NAME.log.1 .. NAME.log.LOG_KEEP (5).
USAGE
}

NAME="" LOG_DIR="" PID_FILE="" DAEMON=0
ARGS=("$@")
while (($#)); do
  case $1 in
    --name) NAME=$2 && shift ;;
    --log-dir) LOG_DIR=$2 && shift ;;
    --pid-file) PID_FILE=$2 && shift ;;
    --daemon) DAEMON=1 ;;
    -h | --help) usage && exit 0 ;;
    --) shift && break ;;
    *) echo "supervise.sh: unknown argument $1" >&2 && exit 2 ;;
  esac
  shift
done
[[ -n $NAME && -n $LOG_DIR && $# -gt 0 ]] || { usage >&2 && exit 2; }

BACKOFF_MS=${SUPERVISE_BACKOFF_MS:-1000}
BACKOFF_MAX_MS=${SUPERVISE_BACKOFF_MAX_MS:-300000}
STABLE_S=${SUPERVISE_STABLE_S:-60}
MAX_RESTARTS=${SUPERVISE_MAX_RESTARTS:--1}
LOG_MAX_BYTES=${LOG_MAX_BYTES:-52428800}
LOG_KEEP=${LOG_KEEP:-5}
LOG="$LOG_DIR/$NAME.log"
mkdir -p "$LOG_DIR"

if ((DAEMON)); then
  rest=()
  for arg in "${ARGS[@]}"; do [[ $arg == --daemon ]] || rest+=("$arg"); done
  setsid "$0" "${rest[@]}" </dev/null >>"$LOG" 2>&1 &
  [[ -z $PID_FILE ]] || echo $! >"$PID_FILE"
  echo "supervise.sh: started $NAME (pid $!), log $LOG"
  exit 0
fi

seconds() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
note() { printf '%s supervise[%s] %s\n' "$(date -u +%FT%TZ)" "$NAME" "$*" >>"$LOG"; }

rotate() {
  local i
  if ((LOG_KEEP > 0)); then
    for ((i = LOG_KEEP - 1; i >= 1; i--)); do
      [[ ! -f $LOG.$i ]] || mv -f "$LOG.$i" "$LOG.$((i + 1))"
    done
    mv -f "$LOG" "$LOG.1"
  fi
  : >"$LOG"
}

# Copies stdin to the log, rotating by size; counts bytes itself to avoid a stat per line.
write_log() {
  local line size
  size=$(wc -c <"$LOG" 2>/dev/null || echo 0)
  exec 3>>"$LOG"
  while IFS= read -r line || [[ -n $line ]]; do
    printf '%s\n' "$line" >&3
    size=$((size + ${#line} + 1))
    if ((size >= LOG_MAX_BYTES)); then
      exec 3>&-
      rotate
      exec 3>>"$LOG"
      size=0
    fi
  done
  exec 3>&-
}

FIFO_DIR=$(mktemp -d)
child="" stopping=0
cleanup() {
  rm -rf "$FIFO_DIR"
  if [[ -n $PID_FILE && -f $PID_FILE && $(<"$PID_FILE") == "$$" ]]; then rm -f "$PID_FILE"; fi
}
trap cleanup EXIT
on_signal() {
  stopping=1
  if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null || true; fi
}
trap on_signal TERM INT
[[ -z $PID_FILE ]] || echo $$ >"$PID_FILE"

restarts=0 delay_ms=$BACKOFF_MS
while true; do
  started=$SECONDS
  note "start: $*"
  mkfifo "$FIFO_DIR/out"
  write_log <"$FIFO_DIR/out" &
  writer=$!
  "$@" >"$FIFO_DIR/out" 2>&1 &
  child=$!
  status=0
  wait "$child" || status=$?
  # A signal interrupts `wait` before the child is gone: wait again for its real status.
  while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
  child=""
  wait "$writer" || true
  rm -f "$FIFO_DIR/out"
  if ((stopping)); then
    note "stopped (exit $status)"
    exit 0
  fi
  if ((SECONDS - started >= STABLE_S)); then delay_ms=$BACKOFF_MS; fi
  if ((MAX_RESTARTS >= 0 && restarts >= MAX_RESTARTS)); then
    note "exit $status; giving up after $restarts restart(s)"
    exit 1
  fi
  restarts=$((restarts + 1))
  note "exit $status; restart $restarts in $(seconds "$delay_ms")s"
  sleep "$(seconds "$delay_ms")" &
  wait $! || true
  if ((stopping)); then
    note "stopped while waiting to restart"
    exit 0
  fi
  delay_ms=$((delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay_ms * 2))
done
