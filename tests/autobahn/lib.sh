# shellcheck shell=bash disable=SC2034  # (variables are used by the scripts that source it)
# Shared settings and helpers for the Autobahn|Testsuite scripts (sourced, not run).
AB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AB_REPO="$(cd "$AB_DIR/../.." && pwd)"
# Where install.sh puts the Python 2.7 virtualenv with wstest (outside the repo).
AUTOBAHN_HOME="${AUTOBAHN_HOME:-/opt/autobahn-testsuite}"
AB_VENV="$AUTOBAHN_HOME/venv"
AB_PY27="$AB_VENV/bin/python"
# wstest, with its listening sockets bound to loopback only (see wstest-loopback.py).
AB_WSTEST=("$AB_PY27" "$AB_DIR/wstest-loopback.py")
export AUTOBAHN_BIND="${AUTOBAHN_BIND:-127.0.0.1}"
# Any Python 3 runs the stdlib-only helpers (wsutil.py, results.py).
AB_PY3="${AUTOBAHN_PY3:-$(command -v python3 || true)}"

ab_log() { echo "autobahn: $*"; }
# ab_retry N CMD...: for installs through a package mirror that can be slow or flaky.
ab_retry() {
  local n=$1 i; shift
  for i in $(seq 1 "$n"); do
    "$@" && return 0
    ab_log "attempt $i of $n failed: $*"; sleep $((i * 5))
  done
  return 1
}
ab_die() {
  echo "autobahn: ERROR: $*" >&2
  exit 1
}

ab_require_installed() {
  [ -n "$AB_PY3" ] || ab_die "python3 not found (the helper scripts need it)"
  if ! { [ -x "$AB_PY27" ] && "$AB_PY27" -c 'import autobahntestsuite' 2>/dev/null; }; then
    ab_die "wstest is not installed in $AB_VENV; run $AB_DIR/install.sh first"
  fi
}

ab_free_port() { "$AB_PY3" "$AB_DIR/wsutil.py" free-port; }

# ab_wait_listening PORT PID SECONDS: wait until PORT listens; fail if PID dies first.
ab_wait_listening() {
  local port="$1" pid="$2" tries=$(($3 * 10))
  for _ in $(seq 1 "$tries"); do
    "$AB_PY3" "$AB_DIR/wsutil.py" listening "$port" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ab_expand_cases SPEC.json OUT.txt: the case ids the spec selects, one per line, in
# wstest's order (wstest's own glob expansion, so the harness can spot missing cases).
ab_expand_cases() {
  (cd /tmp && "$AB_PY27" - "$1" > "$2") <<'PY'
import json, sys
import autobahntestsuite.choosereactor  # noqa: F401 (installs the reactor first)
from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename
from autobahntestsuite.caseset import CaseSet
cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
for case_id in cs.parseSpecCases(json.load(open(sys.argv[1]))):
    print(case_id)
PY
}

# ab_stop PID: stop a process we started (TERM, then KILL after 5 s).
ab_stop() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
