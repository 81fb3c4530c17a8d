#!/usr/bin/env bash
# Start a moto AWS emulator on 127.0.0.1:PORT in the background and print shell exports.
# (Skywarden's copy of the team's shared emulator kit, see README.md beside this file.)
#
#   eval "$(testing/aws-emulator/start.sh 5055)"   # start on port 5055 (creates the venv on first use)
#   eval "$(testing/aws-emulator/start.sh auto)"   # start on a free 127.0.0.1 port picked by the kernel
#   testing/aws-emulator/start.sh status [PORT]    # re-print the exports if that server is up
#   testing/aws-emulator/start.sh stop [PORT]      # stop the server this script started on that port
#   testing/aws-emulator/start.sh install          # only create / refresh the venv
#
# PORT for status/stop defaults to $AWS_EMU_PORT (exported by start), then $MOTO_PORT, then 5000.
#
# Environment knobs:
#   SKYWARDEN_EMU_HOME    venv home (default ~/.cache/skywarden/aws-emulator; the venv is
#                         $SKYWARDEN_EMU_HOME/venv, rebuilt whenever requirements.txt or the
#                         Python version changes: the hash is kept in venv/.requirements.sha256)
#   SKYWARDEN_EMU_RUN     where pid, log and clock files go (default $SKYWARDEN_EMU_HOME/run)
#   SKYWARDEN_EMU_PYTHON  interpreter that creates the venv (default python3; moto needs >= 3.10)
#   SKYWARDEN_EMU_START_TIMEOUT  seconds to wait for moto to answer (default 60)
#   AWS_EMU_PLAIN=1       run plain moto_server instead of moto_clock.py (no "old" snapshots/keys)
#   AWS_EMU_FAST_TAGS=0   keep moto's stock (quadratic) EC2 tag lookup
#
# stdout carries only `export ...` lines; progress and errors go to stderr (errors: one line
# starting "[aws-emulator] error:", non-zero exit).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EMU_HOME="${SKYWARDEN_EMU_HOME:-${HOME:?HOME is not set: set SKYWARDEN_EMU_HOME}/.cache/skywarden/aws-emulator}"
VENV="$EMU_HOME/venv"
STAMP="$VENV/.requirements.sha256"
RUN_DIR="${SKYWARDEN_EMU_RUN:-$EMU_HOME/run}"
REQS="$HERE/requirements.txt"
PYTHON="${SKYWARDEN_EMU_PYTHON:-python3}"

log() { echo "[aws-emulator] $*" >&2; }
die() { echo "[aws-emulator] error: $*" >&2; exit 1; }

cmd="start"
case "${1:-}" in
  start|stop|status|install) cmd="$1"; shift ;;
esac
case "$cmd" in
  start) PORT="${1:-${MOTO_PORT:-5000}}" ;;
  *) PORT="${1:-${AWS_EMU_PORT:-${MOTO_PORT:-5000}}}" ;;
esac
if [[ "$PORT" != "auto" ]] && ! [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]]; then
  die "bad port '$PORT' (want 1..65535 or 'auto'); usage: start.sh [start|stop|status|install] [PORT|auto]"
fi
if [[ "$PORT" == "auto" && "$cmd" != "start" ]]; then
  die "'$cmd' needs the port number ('auto' is only for start)"
fi

set_port() {
  PORT="$1"
  PIDFILE="$RUN_DIR/moto-$PORT.pid"
  LOG="$RUN_DIR/moto-$PORT.log"
  CLOCK="$RUN_DIR/moto-$PORT.clock"
  ENDPOINT="http://127.0.0.1:$PORT"
}
[[ "$PORT" == "auto" ]] || set_port "$PORT"

# The pid file names a live process that is one of our moto servers (guards against pid reuse).
alive() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq 'moto_clock\.py|moto_server' || return 1
  fi
}

answers() {
  "$VENV/bin/python" - "$ENDPOINT" <<'PY' 2>/dev/null
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=5).read()
except Exception:
    sys.exit(1)
PY
}

print_env() {
  printf 'export %s=%q\n' \
    AWS_ENDPOINT_URL "$ENDPOINT" \
    AWS_ACCESS_KEY_ID testing \
    AWS_SECRET_ACCESS_KEY testing \
    AWS_DEFAULT_REGION us-east-1 \
    AWS_REGION us-east-1 \
    AWS_EMU_PORT "$PORT" \
    AWS_EMU_PID "$(cat "$PIDFILE")" \
    AWS_EMU_PY "$VENV/bin/python"
  if [[ -s "$CLOCK.enabled" ]]; then
    printf 'export %s=%q\n' AWS_EMU_TIME_FILE "$CLOCK"
  else
    echo "unset AWS_EMU_TIME_FILE"
  fi
}

# ---------------------------------------------------------------- venv
requirements_hash() {
  # requirements.txt plus the interpreter version: a new Python needs a new venv too.
  { cat "$REQS"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

venv_current() {
  [[ -x "$VENV/bin/python" && -x "$VENV/bin/moto_server" && -f "$STAMP" ]] || return 1
  [[ "$(cat "$STAMP")" == "$1" ]]
}

ensure_venv() {
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found on PATH (need Python >= 3.10; set SKYWARDEN_EMU_PYTHON)"
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null \
    || die "$PYTHON is $("$PYTHON" -V 2>&1); moto 5.2.5 needs Python >= 3.10 (set SKYWARDEN_EMU_PYTHON)"
  [[ -f "$REQS" ]] || die "missing $REQS"
  local want
  want="$(requirements_hash)"
  venv_current "$want" && return 0
  mkdir -p "$EMU_HOME" || die "cannot create $EMU_HOME"
  # One installer at a time per SKYWARDEN_EMU_HOME (parallel test jobs share the venv).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$EMU_HOME/.install.lock"
    flock -w 900 9 || die "timed out waiting for another install in $EMU_HOME (lock $EMU_HOME/.install.lock)"
    if venv_current "$want"; then exec 9>&-; return 0; fi
  fi
  local ilog="$EMU_HOME/install.log" t0=$SECONDS
  if [[ -d "$VENV" ]]; then
    log "requirements.txt or Python changed: rebuilding $VENV ..."
  else
    log "creating venv $VENV from $REQS (first run: 1-4 min) ..."
  fi
  rm -rf "$VENV"
  : >"$ilog"
  "$PYTHON" -m venv "$VENV" >>"$ilog" 2>&1 \
    || die "'$PYTHON -m venv $VENV' failed (on Debian: apt-get install python3-venv); log: $ilog"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQS" >>"$ilog" 2>&1 \
    || die "pip install -r $REQS failed: $(grep '^ERROR' "$ilog" | tail -n 1 || true) (log: $ilog)"
  [[ -x "$VENV/bin/moto_server" ]] || die "moto_server missing in $VENV after pip install; log: $ilog"
  echo "$want" >"$STAMP"
  log "venv ready in $((SECONDS - t0)) s"
  if command -v flock >/dev/null 2>&1; then exec 9>&-; fi
}

# ---------------------------------------------------------------- commands
if [[ "$cmd" == "install" ]]; then
  ensure_venv
  log "venv up to date: $VENV"
  exit 0
fi

if [[ "$cmd" == "stop" ]]; then
  if alive; then
    pid="$(cat "$PIDFILE")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    log "stopped moto pid $pid on port $PORT"
  else
    log "no running moto started by this script on port $PORT"
  fi
  rm -f "$PIDFILE" "$CLOCK.enabled"
  exit 0
fi

if [[ "$cmd" == "status" ]]; then
  if [[ -x "$VENV/bin/python" ]] && alive && answers; then
    log "up: $ENDPOINT (pid $(cat "$PIDFILE"))"; print_env; exit 0
  fi
  log "not running on port $PORT"; exit 1
fi

# ---------------------------------------------------------------- start
ensure_venv
mkdir -p "$RUN_DIR" || die "cannot create $RUN_DIR"

pick_port() {
  "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_free() {
  # SO_REUSEADDR as werkzeug sets it: TIME_WAIT leftovers of a previous server must not count.
  "$VENV/bin/python" -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)" "$1" 2>/dev/null
}

# Start moto on $PORT. Returns 0 when it answers, 2 when it lost a race for the port, else dies.
launch() {
  echo "+0" >"$CLOCK"
  rm -f "$CLOCK.enabled"
  (
    exec 9>&- </dev/null                      # no install lock, no caller's stdin
    export MOTO_EC2_LOAD_DEFAULT_AMIS=false   # no ~1300 AWS-owned AMIs/snapshots (DescribeSnapshots ignores OwnerIds)
    if [[ "${AWS_EMU_PLAIN:-0}" == "1" ]]; then
      exec nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1
    fi
    export AWS_EMU_CLOCK_FILE="$CLOCK"
    exec nohup "$VENV/bin/python" "$HERE/moto_clock.py" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1
  ) &
  echo $! >"$PIDFILE"
  [[ "${AWS_EMU_PLAIN:-0}" == "1" ]] || echo 1 >"$CLOCK.enabled"
  local deadline=$((SECONDS + ${SKYWARDEN_EMU_START_TIMEOUT:-60}))
  while ((SECONDS < deadline)); do
    if answers; then return 0; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      rm -f "$PIDFILE" "$CLOCK.enabled"
      if grep -q "Address already in use" "$LOG" 2>/dev/null; then return 2; fi
      die "moto exited during startup: $(grep -v '^\s*$' "$LOG" | tail -n 1) (log: $LOG)"
    fi
    sleep 0.5
  done
  local pid
  pid="$(cat "$PIDFILE")"
  kill "$pid" 2>/dev/null || true
  sleep 1
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE" "$CLOCK.enabled"
  die "moto did not answer on $ENDPOINT within ${SKYWARDEN_EMU_START_TIMEOUT:-60} s, killed pid $pid (log: $LOG)"
}

if [[ "$PORT" == "auto" ]]; then
  for attempt in 1 2 3; do
    p="$(pick_port)" || die "could not pick a free port on 127.0.0.1"
    set_port "$p"
    rc=0; launch || rc=$?
    if [[ "$rc" == 0 ]]; then
      log "up: $ENDPOINT (pid $(cat "$PIDFILE"), log $LOG)"; print_env; exit 0
    fi
    log "port $PORT was taken meanwhile (attempt $attempt); picking another"
  done
  die "could not start moto on a free port after 3 attempts (log: $LOG)"
fi

if alive && answers; then log "already running: $ENDPOINT"; print_env; exit 0; fi
port_free "$PORT" || die "port $PORT on 127.0.0.1 is in use by another process; pick another port or use 'auto'"
rc=0; launch || rc=$?
[[ "$rc" == 0 ]] || die "port $PORT on 127.0.0.1 is in use by another process; pick another port or use 'auto'"
log "up: $ENDPOINT (pid $(cat "$PIDFILE"), log $LOG)"
print_env
