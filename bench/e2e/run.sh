#!/usr/bin/env bash
# The end-to-end benchmark: echo servers on loopback, one load client (Rust, e2e-client) on
# its own core, and a markdown table of the figures and the ratios against the peers.
#
#   bash bench/e2e/run.sh [--quick] [SERVER...]
#
# 1. builds the client (cargo build --release -p sansocket-e2e), a venv in bench/e2e/.venv
#    with the pinned servers of requirements.txt and sansocket built from bindings-python
#    (release wheel), ws and bufferutil in bench/e2e/node_modules (package-lock.json), and
#    the npm package's WASM build (bindings-wasm: npm ci, npm run build); the wheel and the
#    WASM are rebuilt only when their sources are newer, npm ci runs when a lock changed;
# 2. starts every server on 127.0.0.1 (free ports) pinned to core 0, then runs the client
#    pinned to core 1 against each in turn, in 2 rounds (each column warms up 0.3 s and
#    measures 1.5 s; a round runs one column on every server in turn, then the next column;
#    round 1 first primes each column, uncounted; then 10,000 idle connections on each); the
#    table keeps each cell's best rate and least server CPU per message over the rounds;
# 3. prints the table (also written to bench/e2e/results/table.md, raw lines in
#    results/results.tsv, server output in results/*.log).
#
# SERVER names (default: all): sansocket-asyncio picows picows-websockets websockets aiohttp
# uvicorn-sansocket uvicorn-websockets-sansio uvicorn-websockets uvicorn-wsproto
# node-sansocket node-ws, and the host's floor: floor-python floor-node (servers/floor_echo.*:
# the handshake answered, then every byte echoed unchanged, no WebSocket work) and
# floor-uvicorn (servers/uvicorn_floor.py: uvicorn's ASGI dance around the same bytes echo,
# one application message per read), floor-uvicorn-frames (the same, one per frame).
# --quick: one round, 0.7 s per column, 2,000 idle connections.
# Env: E2E_MALLOC=0 runs the Python servers with glibc's malloc thresholds as they are (see
# below);
# E2E_UVLOOP=0 runs every Python server on asyncio's own loop instead of uvloop;
# E2E_BUILD=0 skips step 1 but the client build; E2E_SECONDS, E2E_ROUNDS, E2E_IDLE override
# the figures.
# Not a test: tests/run-all.sh does not call it. Exit status 1 if any column failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
. "$repo/tests/retry.sh"
export PIP_DISABLE_PIP_VERSION_CHECK=1

seconds=1.5 warmup=0.3 idle=10000 rounds=2
servers=()
for arg in "$@"; do
  case "$arg" in
    --quick) seconds=0.7 idle=2000 rounds=1 ;;
    -*) echo "usage: bash bench/e2e/run.sh [--quick] [SERVER...]" >&2; exit 2 ;;
    *) servers+=("$arg") ;;
  esac
done
seconds="${E2E_SECONDS:-$seconds}" idle="${E2E_IDLE:-$idle}" rounds="${E2E_ROUNDS:-$rounds}"
start_time=$(date +%s)
step() { echo "==> e2e: $*" >&2; }

# Two file descriptors per idle connection in all (client and server), plus some.
hard="$(ulimit -Hn)"
[ "$hard" = unlimited ] && hard=65536
ulimit -n "$(( hard < 65536 ? hard : 65536 ))"
if [ "$(ulimit -n)" -lt $(( idle + 1000 )) ]; then
  echo "e2e: ulimit -n $(ulimit -n) is too low for $idle idle connections" >&2
  exit 1
fi
# Servers on core 0, the client on core 1 (no pinning on a single core).
server_cpu=(); client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpu=(taskset -c 0); client_cpu=(taskset -c 1)
fi

step "building the load client"
(cd "$repo" && cargo build --release --quiet -p sansocket-e2e)
client="$repo/target/release/e2e-client"

# npm ci in $1, unless its node_modules came from the same package-lock.json.
npm_ci() {
  if ! cmp -s "$1/package-lock.json" "$1/node_modules/.e2e-package-lock.json"; then
    (cd "$1" && retry 3 timeout 600 npm ci --no-audit --no-fund --silent)
    cp "$1/package-lock.json" "$1/node_modules/.e2e-package-lock.json"
  fi
}

# Whether $1 is missing or older than any file under the Rust crates it is built from or the
# other paths given (relative to the repository).
stale() {
  local built=$1
  shift
  [ -e "$built" ] || return 0
  [ -n "$(cd "$repo" && find core/src deflate/src stomp/src Cargo.lock "$@" -newer "$built" -print -quit)" ]
}

venv="$here/.venv"
py="$venv/bin/python"
if [ "${E2E_BUILD:-1}" = 1 ]; then
  [ -x "$py" ] || "${PYTHON:-python3}" -m venv "$venv"
  step "the Python servers (requirements.txt) and sansocket (release wheel)"
  retry 3 timeout 900 "$py" -m pip install --quiet -r "$here/requirements.txt"
  if stale "$venv/.e2e-wheel" bindings-python/src bindings-python/python bindings-python/Cargo.toml \
      bindings-python/pyproject.toml; then
    (cd "$repo" && retry 3 timeout 1200 "$py" -m pip install --quiet --force-reinstall --no-deps ./bindings-python)
    touch "$venv/.e2e-wheel"
  fi
  step "ws and bufferutil (npm ci), the npm package's WASM build"
  npm_ci "$here"
  npm_ci "$repo/bindings-wasm"
  if stale "$repo/bindings-wasm/pkg/node/sansocket_wasm_bg.wasm" bindings-wasm/src \
      bindings-wasm/Cargo.toml bindings-wasm/scripts; then
    (cd "$repo/bindings-wasm" && npm run --silent build >/dev/null)
  fi
fi

declare -A cmd=(
  [sansocket-asyncio]="$py $here/servers/run_module.py sansocket.examples.echo_server {addr} --no-deflate"
  [picows]="$py $here/servers/picows_echo.py {addr}"
  [picows-websockets]="$py $here/servers/websockets_echo.py --picows {addr}"
  [websockets]="$py $here/servers/websockets_echo.py {addr}"
  [aiohttp]="$py $here/servers/aiohttp_echo.py {addr}"
  [uvicorn-sansocket]="$py $here/servers/uvicorn_echo.py {addr} sansocket.uvicorn:WebSocketProtocol"
  [uvicorn-websockets-sansio]="$py $here/servers/uvicorn_echo.py {addr} websockets-sansio"
  [uvicorn-websockets]="$py $here/servers/uvicorn_echo.py {addr} websockets"
  [uvicorn-wsproto]="$py $here/servers/uvicorn_echo.py {addr} wsproto"
  [node-sansocket]="node $repo/bindings-wasm/examples/echo_server.mjs {addr} --no-deflate --max-connections $((idle + 100))"
  [node-ws]="node $here/servers/ws_echo.mjs {addr}"
  [floor-python]="$py $here/servers/floor_echo.py {addr}"
  [floor-uvicorn]="$py $here/servers/uvicorn_echo.py {addr} uvicorn_floor:FloorProtocol"
  [floor-uvicorn-frames]="$py $here/servers/uvicorn_echo.py {addr} uvicorn_floor:FrameFloorProtocol"
  [floor-node]="node $here/servers/floor_echo.mjs {addr}"
)
# The floors echo bytes without any WebSocket work: the client checks its own frames.
declare -A client_flags=([floor-python]=--floor [floor-uvicorn]=--floor
  [floor-uvicorn-frames]=--floor [floor-node]=--floor)
order=(sansocket-asyncio picows picows-websockets websockets aiohttp uvicorn-sansocket
  uvicorn-websockets-sansio uvicorn-websockets uvicorn-wsproto node-sansocket node-ws
  floor-python floor-uvicorn floor-uvicorn-frames floor-node)
[ ${#servers[@]} -gt 0 ] || servers=("${order[@]}")
for name in "${servers[@]}"; do
  [ -n "${cmd[$name]:-}" ] || { echo "e2e: unknown server $name (one of: ${order[*]})" >&2; exit 2; }
done

results="$here/results"
mkdir -p "$results"
tsv="$results/results.tsv"
: >"$tsv"
uptime_before="$(uptime)"
declare -A pid port
stop_servers() {
  for name in "${!pid[@]}"; do kill "${pid[$name]}" 2>/dev/null || true; done
  for name in "${!pid[@]}"; do
    for _ in $(seq 50); do kill -0 "${pid[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${pid[$name]}" 2>/dev/null || true
    wait "${pid[$name]}" 2>/dev/null || true
    unset "pid[$name]"
  done
}
trap stop_servers EXIT

# glibc's malloc, left to itself, gives a heap's free top back to the kernel once it passes a
# threshold that grows with the largest block freed: a Python server echoing bursts of
# 64 KiB messages frees uvloop's 256 KiB read and the messages made from it together, and
# then trims and re-faults its heap on every read (about 25 page faults a message, 2-4x the
# CPU). Every Python server runs with the same fixed thresholds, as a deployment would set
# them (E2E_MALLOC=0: glibc's defaults). Node's heap is V8's own: its servers run as they are.
malloc_env=()
if [ "${E2E_MALLOC:-1}" != 0 ]; then
  malloc_env=(env MALLOC_MMAP_THRESHOLD_=4194304 MALLOC_TRIM_THRESHOLD_=16777216)
fi

# Every server runs from the start (idle ones cost nothing), so that the rounds interleave
# them: load from elsewhere on the machine then spreads over all of them.
for name in "${servers[@]}"; do
  port[$name]="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  line="${cmd[$name]//\{addr\}/127.0.0.1:${port[$name]}}"
  step "starting $name: $line"
  launch=("${server_cpu[@]}")
  [[ "$line" == "$py "* ]] && launch+=("${malloc_env[@]}")
  # shellcheck disable=SC2086 # the command line is split on purpose
  (cd "$here/servers" && exec "${launch[@]}" $line) >"$results/$name.log" 2>&1 &
  pid[$name]=$!
done

# Each round takes the columns one at a time, every server in turn on that column, so that
# the servers compared in a cell are measured seconds apart, not a whole round apart (the
# machine's speed drifts over minutes). Round 1 primes each column of each server first
# (uncounted); the idle connections are opened at the end of the last round. The table keeps
# each cell's best rate and its least CPU per message over the rounds.
status=0
client_run() { # SERVER CLIENT-ARGS...
  local name=$1
  shift
  if ! "${client_cpu[@]}" timeout 600 "$client" --addr "127.0.0.1:${port[$name]}" --pid "${pid[$name]}" \
      --server "$name" --seconds "$seconds" --idle "$idle" --warmup "$warmup" \
      ${client_flags[$name]:-} "$@" | tee -a "$tsv" >&2; then
    status=1
    tail -5 "$results/$name.log" >&2 || true
  fi
}
for round in $(seq "$rounds"); do
  for column in rr256 rr16k rr256t pipe1k pipe64k conn100; do
    step "round $round/$rounds: $column"
    for name in "${servers[@]}"; do
      prime=()
      [ "$round" != 1 ] || prime=(--prime "$warmup")
      client_run "$name" --columns "$column" "${prime[@]}"
    done
  done
done
for name in "${servers[@]}"; do
  step "idle connections: $name"
  client_run "$name" --columns idle
done
stop_servers

"$py" "$here/table.py" "$tsv" --uptime-before "$uptime_before" --uptime-after "$(uptime)" \
  --seconds "$seconds" --rounds "$rounds" --loop "$([ "${E2E_UVLOOP:-1}" = 0 ] && echo asyncio || echo uvloop)" \
  --elapsed "$(( $(date +%s) - start_time ))" | tee "$results/table.md"
exit $status
