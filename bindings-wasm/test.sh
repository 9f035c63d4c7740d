#!/usr/bin/env bash
# Every test of the npm package `sansocket`, on a fresh machine as in CI (tests/run-all.sh
# calls it). Installs what it needs itself:
#   1. the npm packages (npm ci, package-lock.json),
#   2. the WASM build (npm run build: the wasm32 target and wasm-bindgen-cli if missing),
#   3. Debian's chromium for the browser tests (apt-get, if /usr/bin/chromium is missing),
#      and tinyproxy and openssl for the proxy tests (apt-get, if missing),
# then runs `npm test` (node --test: vectors, API, memory, interop with ws, echo server,
# headless Chromium), a short run of the benchmark (it must work; its numbers are not
# checked), and the Autobahn testsuite against examples/echo_server.mjs, which must give the
# same results as the Rust echo server (tests/autobahn/expected/server.json).
#
# Env: SANSOCKET_WASM_AUTOBAHN=0 skips Autobahn; SANSOCKET_DEFLATE_CASES picks the compression sample; SANSOCKET_WASM_BROWSER=0 skips installing
# Chromium (the browser tests are then skipped instead of failing).
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"
repo="$(cd .. && pwd)"

log() { echo "bindings-wasm: $*"; }
. "$repo/tests/retry.sh"

# ---- Node.js ------------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  log "node/npm not found: installing Debian's nodejs and npm"
  retry 3 timeout 300 apt-get update -qq
  retry 3 timeout 900 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  log "Node.js $(node --version) is too old: the package needs Node 20 or newer" >&2
  exit 1
fi
log "node $(node --version), npm $(npm --version)"

# ---- npm packages and the build -------------------------------------------------------
retry 3 timeout 600 npm ci --no-audit --no-fund
npm run build

# ---- Chromium -------------------------------------------------------------------------
browser=1
if [ "${SANSOCKET_WASM_BROWSER:-1}" = 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium for the browser tests"
    retry 3 timeout 300 apt-get update -qq
    retry 3 timeout 1200 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  /usr/bin/chromium --version
else
  browser=0
fi

# ---- tinyproxy and openssl (test/proxy.test.mjs: a real proxy on loopback) -------------
if ! command -v tinyproxy >/dev/null || ! command -v openssl >/dev/null; then
  log "installing Debian's tinyproxy and openssl for the proxy tests"
  retry 3 timeout 300 apt-get update -qq
  retry 3 timeout 600 env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq tinyproxy openssl
fi

# ---- tests ----------------------------------------------------------------------------
status=0
SANSOCKET_REQUIRE_BROWSER=$browser npm test || status=1

log "benchmark smoke run (numbers not checked)"
timeout 300 node bench/receive.mjs --seconds 0.05 --no-child || status=1

if [ "${SANSOCKET_WASM_AUTOBAHN:-1}" = 1 ]; then
  log "Autobahn testsuite (server role) against examples/echo_server.mjs"
  bash "$repo/tests/autobahn/install.sh" --no-selftest || status=1
  (cd "$repo" && SERVER_CMD='node bindings-wasm/examples/echo_server.mjs {addr}' SERVER_AGENT=sansocket-wasm \
    REPORTS_DIR="$repo/tests/autobahn/reports/wasm" bash tests/autobahn/run.sh server) || status=1
  log "Autobahn permessage-deflate sample (12.1.*, 13.1.*; run EXCLUDE= for all 216)"
  (cd "$repo" && SERVER_CMD='node bindings-wasm/examples/echo_server.mjs {addr}' SERVER_AGENT=sansocket-wasm \
    REPORTS_DIR="$repo/tests/autobahn/reports/wasm-deflate" CASES="${SANSOCKET_DEFLATE_CASES:-12.1.*,13.1.*}" \
    EXCLUDE= bash tests/autobahn/run.sh server) || status=1
fi

if [ $status = 0 ]; then log "PASS"; else log "FAIL"; fi
cd "$here"
exit $status
