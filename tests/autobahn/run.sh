#!/usr/bin/env bash
# Run Autobahn|Testsuite (wstest) against sansocket's echo server and client, on loopback,
# and check every case against the committed expected results.
#
# Usage: tests/autobahn/run.sh [--update] [server|client|both]     (default: both)
#   server    wstest's fuzzingclient tests the echo server ($SERVER_CMD)
#   client    wstest's fuzzingserver tests the client ($CLIENT_CMD)
#   --update  write the results into expected/{server,client}.json instead of checking
#             them (entries of cases that did not run are kept)
# Env:
#   CASES='*'             comma-separated case globs, e.g. '1.*,2.*,9.1.*'
#   EXCLUDE='12.*,13.*'   globs to leave out (default: the permessage-deflate cases 12.*/13.*,
#                         ~10 of the ~12 minutes of a full run). EXCLUDE= runs every case,
#                         as CI does for the Rust examples.
#   SERVER_CMD            the echo server; {addr} becomes 127.0.0.1:PORT (also in
#                         $AUTOBAHN_ADDR). Default: target/release/examples/echo_server {addr}
#                         e.g. 'python -m sansocket.examples.echo_server {addr}'
#                         or   'node bindings-wasm/examples/echo_server.mjs {addr}'
#   CLIENT_CMD            the client; {url} becomes ws://127.0.0.1:PORT, {agent} the agent
#                         name (also $AUTOBAHN_URL, $AUTOBAHN_AGENT).
#                         Default: target/release/examples/autobahn_client {url} {agent}
#   (commands are split on whitespace and run from the repository root; relative paths
#   in the variables below are relative to the current directory)
#   SERVER_AGENT=sansocket-server  CLIENT_AGENT=sansocket-client   names in the reports
#   EXPECTED_DIR=tests/autobahn/expected   holds server.json and client.json
#   REPORTS_DIR=tests/autobahn/reports     reports go to server/ and client/ in it
#   BUILD=1               cargo build --release the examples the default commands use
#   RUN_TIMEOUT=2700      seconds before a wstest run (or the client) is stopped
#   SERIAL=1              with both: one role after the other (default: side by side)
#   AUTOBAHN_HOME         where install.sh put wstest (default /opt/autobahn-testsuite)
# Exit: 0 when every selected case ran and matches its expected result (or is now OK or
#       INFORMATIONAL); 1 on any regression, missing case, or a run that failed.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

update=0
role=both
for a in "$@"; do
  case "$a" in
    --update) update=1 ;;
    server | client | both) role="$a" ;;
    -h | --help)
      awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"
      exit 0
      ;;
    *) ab_die "unknown argument '$a' (see --help)" ;;
  esac
done
CASES="${CASES:-*}"
EXCLUDE="${EXCLUDE-12.*,13.*}"
TARGET_DIR="${CARGO_TARGET_DIR:-$AB_REPO/target}"
DEFAULT_SERVER_CMD="$TARGET_DIR/release/examples/echo_server {addr}"
DEFAULT_CLIENT_CMD="$TARGET_DIR/release/examples/autobahn_client {url} {agent}"
SERVER_CMD="${SERVER_CMD:-$DEFAULT_SERVER_CMD}"
CLIENT_CMD="${CLIENT_CMD:-$DEFAULT_CLIENT_CMD}"
SERVER_AGENT="${SERVER_AGENT:-sansocket-server}"
CLIENT_AGENT="${CLIENT_AGENT:-sansocket-client}"
EXPECTED_DIR="$(realpath -m "${EXPECTED_DIR:-$AB_DIR/expected}")"
REPORTS_DIR="$(realpath -m "${REPORTS_DIR:-$AB_DIR/reports}")"
RUN_TIMEOUT="${RUN_TIMEOUT:-2700}"
ab_require_installed
cd "$AB_REPO"

# ---- build the default testees -----------------------------------------------------
examples=()
[[ $role != client && $SERVER_CMD == "$DEFAULT_SERVER_CMD" ]] && examples+=(--example echo_server)
[[ $role != server && $CLIENT_CMD == "$DEFAULT_CLIENT_CMD" ]] && examples+=(--example autobahn_client)
if [ "${BUILD:-1}" = 1 ] && [ ${#examples[@]} -gt 0 ]; then
  ab_log "building ${examples[*]} (release)"
  mkdir -p "$REPORTS_DIR"
  cargo build --release -p sansocket "${examples[@]}" >"$REPORTS_DIR/build.log" 2>&1 \
    || { tail -n 30 "$REPORTS_DIR/build.log" >&2; ab_die "cargo build failed (log: $REPORTS_DIR/build.log)"; }
fi

# write_spec OUTDIR EXTRA_JSON: OUTDIR/spec.json (CASES, EXCLUDE, EXTRA_JSON's fields) and
# OUTDIR/cases.txt, the case ids it selects.
write_spec() {
  "$AB_PY3" - "$1" "$CASES" "$EXCLUDE" "$2" >"$1/spec.json" <<'PY'
import json, sys
outdir, cases, excl, extra = sys.argv[1:5]
split = lambda s: [c.strip() for c in s.split(",") if c.strip()]
spec = {"outdir": outdir, "cases": split(cases) or ["*"], "exclude-cases": split(excl),
        "exclude-agent-cases": {}}
spec.update(json.loads(extra))
json.dump(spec, sys.stdout, indent=2)
PY
  ab_expand_cases "$1/spec.json" "$1/cases.txt" || ab_die "cannot expand cases [$CASES] minus [$EXCLUDE]"
  [ -s "$1/cases.txt" ] || ab_die "cases [$CASES] minus [$EXCLUDE] select no case"
}

# substitute CMD_STRING: split on whitespace, replace {addr} {url} {agent}
substitute() {
  local word
  read -r -a words <<<"$1"
  cmd=()
  for word in "${words[@]}"; do
    word="${word//\{addr\}/${AUTOBAHN_ADDR:-}}"
    word="${word//\{url\}/${AUTOBAHN_URL:-}}"
    cmd+=("${word//\{agent\}/${AUTOBAHN_AGENT:-}}")
  done
}

# check ROLE OUTDIR AGENT: summary, then compare with (or --update) the expected file
check() {
  local name="$1" out="$2" agent="$3" rc=0
  if [ ! -f "$out/index.json" ]; then
    echo "autobahn: $name: no report ($out/index.json)" >&2
    return 1
  fi
  "$AB_PY3" "$AB_DIR/results.py" summary "$out/index.json" --agent "$agent" --strict \
    --expect "$(wc -l <"$out/cases.txt")" || true
  mkdir -p "$EXPECTED_DIR"
  if [ $update = 1 ]; then
    "$AB_PY3" "$AB_DIR/results.py" update "$out/index.json" "$EXPECTED_DIR/$name.json" \
      --agent "$agent" --cases "$out/cases.txt" || rc=1
  else
    "$AB_PY3" "$AB_DIR/results.py" compare "$out/index.json" "$EXPECTED_DIR/$name.json" \
      --agent "$agent" --cases "$out/cases.txt" || rc=1
  fi
  return $rc
}

# ---- server: wstest fuzzingclient -> SERVER_CMD --------------------------------------
run_server() {
  local out="$REPORTS_DIR/server" port pid t0 rc=0
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  rm -f "$out/index.json" "$out/index.html" # never check a stale report
  port="$(ab_free_port)"
  export AUTOBAHN_ADDR="127.0.0.1:$port"
  substitute "$SERVER_CMD"
  write_spec "$out" "{\"servers\": [{\"agent\": \"$SERVER_AGENT\", \"url\": \"ws://$AUTOBAHN_ADDR\"}]}"
  ab_log "server: starting ${cmd[*]}"
  "${cmd[@]}" >"$out/testee.log" 2>&1 &
  pid=$!
  if ! ab_wait_listening "$port" "$pid" 60; then
    ab_stop "$pid"
    tail -n 20 "$out/testee.log" >&2
    ab_die "server: the testee did not listen on $AUTOBAHN_ADDR (log: $out/testee.log)"
  fi
  ab_log "server: wstest fuzzingclient -> ws://$AUTOBAHN_ADDR, $(wc -l <"$out/cases.txt") cases [$CASES] minus [$EXCLUDE]"
  t0=$(date +%s)
  (cd "$out" && exec timeout "$RUN_TIMEOUT" "${AB_WSTEST[@]}" -m fuzzingclient -s "$out/spec.json") \
    >"$out/wstest.log" 2>&1 || rc=$?
  ab_log "server: wstest finished rc=$rc in $(($(date +%s) - t0)) s (log: $out/wstest.log)"
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "autobahn: server: the testee exited during the run (log: $out/testee.log)" >&2
    rc=1
  fi
  ab_stop "$pid"
  grep -q "^Connection to .* failed" "$out/wstest.log" \
    && echo "autobahn: server: wstest could not connect at some point; later cases did not run" >&2
  check server "$out" "$SERVER_AGENT" || rc=1
  return $rc
}

# ---- client: CLIENT_CMD -> wstest fuzzingserver --------------------------------------
run_client() {
  local out="$REPORTS_DIR/client" port pid t0 rc=0
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  rm -f "$out/index.json" "$out/index.html"
  port="$(ab_free_port)"
  export AUTOBAHN_URL="ws://127.0.0.1:$port" AUTOBAHN_AGENT="$CLIENT_AGENT"
  write_spec "$out" "{\"url\": \"$AUTOBAHN_URL\"}"
  (cd "$out" && exec "${AB_WSTEST[@]}" -m fuzzingserver -s "$out/spec.json" -u 0) >"$out/wstest.log" 2>&1 &
  pid=$!
  if ! ab_wait_listening "$port" "$pid" 60; then
    ab_stop "$pid"
    tail -n 20 "$out/wstest.log" >&2
    ab_die "client: wstest fuzzingserver did not listen on $AUTOBAHN_URL"
  fi
  substitute "$CLIENT_CMD"
  ab_log "client: ${cmd[*]} -> wstest fuzzingserver, $(wc -l <"$out/cases.txt") cases [$CASES] minus [$EXCLUDE]"
  t0=$(date +%s)
  timeout "$RUN_TIMEOUT" "${cmd[@]}" >"$out/testee.log" 2>&1 || rc=$?
  ab_log "client: the client exited rc=$rc after $(($(date +%s) - t0)) s (log: $out/testee.log)"
  # Reports are written on /updateReports; ask again in case the client did not get there.
  timeout 600 "$AB_PY3" "$AB_DIR/wsutil.py" update-reports "$AUTOBAHN_URL" "$CLIENT_AGENT" >/dev/null 2>&1 || true
  ab_stop "$pid"
  check client "$out" "$CLIENT_AGENT" || rc=1
  return $rc
}

status=0
if [ "$role" = both ] && [ "${SERIAL:-0}" != 1 ]; then
  # The two roles share nothing but the machine: run them side by side (each wstest is one
  # Python process, so on 2 cores a full run takes about as long as its longer role).
  run_server &
  server_pid=$!
  run_client || status=1
  wait "$server_pid" || status=1
else
  if [ "$role" != client ]; then run_server || status=1; fi
  if [ "$role" != server ]; then run_client || status=1; fi
fi
if [ $status = 0 ]; then ab_log "PASS ($role)"; else ab_log "FAIL ($role)"; fi
exit $status
