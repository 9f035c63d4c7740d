#!/usr/bin/env bash
# The chat room, from a fresh clone: builds what it needs, then serves the page and STOMP
# over WebSocket on one port until Ctrl-C.
#
#   bash scripts/chat.sh [HOST:PORT] [python -m sansocket.chat options...]   # default 127.0.0.1:8080
#   bash scripts/chat.sh --build-only    # steps 1 and 2 (the chat test suite uses this)
#
# 1. a virtualenv in bindings-python/.venv (made if missing) with maturin, and the Python
#    binding built and installed into it (`pip install ./bindings-python`, release);
# 2. the npm package: `npm ci` (it holds @stomp/stompjs for ?client=stompjs) and
#    `npm run build` (the web build holds sansocket's own client for the page);
# 3. `python -m sansocket.chat HOST:PORT`, which prints the URL to open.
# Later runs skip the steps whose inputs did not change. Needs python3 (with venv), cargo
# (rustup) and node >= 20 with npm. Env: SANSOCKET_CHAT_NO_WASM=1 skips step 2's build.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
. tests/retry.sh
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { echo "chat.sh: $*"; }
need() {
  command -v "$1" >/dev/null || { log "$1 not found: $2" >&2; exit 1; }
}
need python3 "install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)"
need cargo "install Rust with rustup: https://rustup.rs"
need node "install Node.js 20 or newer (Debian: apt-get install nodejs npm)"
need npm "install npm (Debian: apt-get install npm)"

# A stamp per step: the step runs again when a file under its inputs is newer.
stale() {
  local stamp="$1"; shift
  [ ! -f "$stamp" ] || [ -n "$(find "$@" -newer "$stamp" -type f -print -quit 2>/dev/null)" ]
}

venv="$repo/bindings-python/.venv"
py="$venv/bin/python"
if [ ! -x "$py" ]; then
  log "creating $venv"
  python3 -m venv "$venv"
fi
if ! "$py" -m maturin --version >/dev/null 2>&1; then
  retry 3 timeout 600 "$py" -m pip install --quiet "$(grep '^maturin==' bindings-python/requirements-test.txt)"
fi
stamp="$venv/.chat-installed"
if stale "$stamp" Cargo.lock Cargo.toml core/src core/Cargo.toml bindings-python/src \
  bindings-python/python bindings-python/Cargo.toml bindings-python/pyproject.toml; then
  log "building and installing the Python binding (release; the first build takes minutes)"
  retry 2 timeout 1800 "$py" -m pip install --quiet --force-reinstall --no-deps ./bindings-python
  touch "$stamp"
fi

npm_dir="$repo/bindings-wasm"
if stale "$npm_dir/node_modules/.chat-installed" "$npm_dir/package-lock.json"; then
  log "npm ci in bindings-wasm"
  (cd "$npm_dir" && retry 3 timeout 600 npm ci --no-audit --no-fund --loglevel=error)
  touch "$npm_dir/node_modules/.chat-installed"
fi
if [ "${SANSOCKET_CHAT_NO_WASM:-0}" != 1 ] &&
  stale "$npm_dir/pkg/.chat-built" Cargo.lock core/src bindings-wasm/src bindings-wasm/Cargo.toml; then
  log "npm run build (the WASM web build; the first build takes minutes)"
  (cd "$npm_dir" && npm run build)
  touch "$npm_dir/pkg/.chat-built"
fi

[ "${1:-}" = --build-only ] && exit 0
addr="${1:-127.0.0.1:8080}"
[ $# -gt 0 ] && shift
log "starting the chat server; open the URL it prints (two tabs to chat), Ctrl-C stops it"
exec "$py" -m sansocket.chat "$addr" --npm-dir "$npm_dir" "$@"
