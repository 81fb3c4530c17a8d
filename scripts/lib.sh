# Shared helpers for scripts/test and scripts/demo (sourced, not run).
# shellcheck shell=bash

# shellcheck disable=SC2034  # used by the scripts that source this file
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One build directory per machine, shared by every clone (tests, demo, CI): the AWS SDK
# takes ~10 minutes to build from scratch on 2 cores.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/skywarden/target}"

# Every script builds the same way: `cargo build --bin skywarden` alone resolves dependency
# features without the dev-dependencies and so rebuilds the AWS SDK a second time (another
# ~10 minutes); one workspace build serves the tests, the demo and the benchmarks.
build_workspace() {
  cargo build --workspace --all-targets --locked
}

say() { echo "[skywarden] $*" >&2; }
die() { echo "[skywarden] error: $*" >&2; exit 1; }

need_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    [[ -x "$HOME/.cargo/bin/cargo" ]] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (https://rustup.rs) and retry"
  command -v python3 >/dev/null 2>&1 || die "python3 not found: the AWS emulator needs Python 3.9+ (apt-get install python3 python3-venv)"
}

# Postgres for the conformance and end-to-end tests. Uses SKYWARDEN_TEST_POSTGRES_URL, else
# postgres://postgres@127.0.0.1:5432/postgres; starts a local cluster that is installed but
# stopped. Returns non-zero when none is reachable.
ensure_postgres() {
  export SKYWARDEN_TEST_POSTGRES_URL="${SKYWARDEN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  pg_up && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
    local v
    for v in /etc/postgresql/*; do
      say "starting PostgreSQL cluster $(basename "$v")/main"
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 30); do pg_up && return 0; sleep 0.5; done
  fi
  return 1
}

pg_up() {
  python3 - "$SKYWARDEN_TEST_POSTGRES_URL" <<'PY' 2>/dev/null
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
s = socket.create_connection((u.hostname or "127.0.0.1", u.port or 5432), timeout=2)
s.close()
PY
}
