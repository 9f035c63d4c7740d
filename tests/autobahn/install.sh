#!/usr/bin/env bash
# Idempotent installer for Autobahn|Testsuite (wstest), without Docker.
#
# wstest is Python 2.7 only (autobahntestsuite 25.10.1, the newest release, still is).
# This builds a virtualenv from a CPython 2.7 interpreter (by default the pyenv one,
# ~/.pyenv/versions/2.7.*, or $AUTOBAHN_PYTHON2, e.g. a PyPy2) and installs the exact pins of
# requirements-py27.txt from PyPI. Needs gcc (wsaccel builds from source).
#
# Usage: tests/autobahn/install.sh [--no-selftest] [--force]
#   --no-selftest  skip the loopback self-test (wstest echoserver <- fuzzingclient, 3 cases)
#   --force        rebuild the virtualenv from scratch
# Env: AUTOBAHN_HOME (default /opt/autobahn-testsuite), AUTOBAHN_PYTHON2.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

VIRTUALENV_VERSION=20.15.1 # the last virtualenv that runs on Python 2.7
selftest=1
force=0
for a in "$@"; do
  case "$a" in
    --no-selftest) selftest=0 ;;
    --force) force=1 ;;
    -h | --help)
      awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"
      exit 0
      ;;
    *) ab_die "unknown argument '$a'" ;;
  esac
done
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONWARNINGS=ignore

# ---- 1. a Python 2.7 interpreter -------------------------------------------------
is_py27() {
  [ -x "$1" ] && "$1" -c 'import sys, ssl, zlib, ctypes; assert sys.version_info[:2] == (2, 7)' >/dev/null 2>&1
}
find_py27() {
  local c r roots=()
  if [ -n "${AUTOBAHN_PYTHON2:-}" ]; then
    is_py27 "$AUTOBAHN_PYTHON2" && echo "$AUTOBAHN_PYTHON2"
    return
  fi
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
  roots+=("${PYENV_ROOT:-$HOME/.pyenv}" /root/.pyenv /usr/local/pyenv /opt/pyenv)
  for r in "${roots[@]}"; do
    while read -r c; do
      is_py27 "$c" && { echo "$c"; return; }
    done < <(printf '%s\n' "$r"/versions/2.7.*/bin/python2.7 | sort -rV)
  done
  for c in /usr/bin/python2.7 /usr/local/bin/python2.7 /usr/bin/pypy /usr/local/bin/pypy; do
    is_py27 "$c" && { echo "$c"; return; }
  done
  return 1
}
PY27="$(find_py27)" || true
[ -n "$PY27" ] || ab_die "no Python 2.7 interpreter found (with ssl, zlib, ctypes).
  wstest runs on Python 2.7 only. Looked at: \$AUTOBAHN_PYTHON2, pyenv versions 2.7.*,
  /usr/bin/python2.7, pypy (2.7). Debian 12 packages no Python 2.7; pyenv can build one
  (pyenv install 2.7.18) where python.org is reachable. Then: AUTOBAHN_PYTHON2=/path/python2.7"
ab_log "Python 2.7: $PY27 ($("$PY27" -c 'import sys; print(sys.version.split()[0])'))"
[ -n "$AB_PY3" ] || ab_die "python3 not found (the helper scripts need it)"

# ---- 2. the virtualenv (inside AUTOBAHN_HOME) ------------------------------------
mkdir -p "$AUTOBAHN_HOME" || ab_die "cannot create $AUTOBAHN_HOME"
req="$AB_DIR/requirements-py27.txt"
stamp="$AB_VENV/.autobahn-install-stamp"
want_stamp="$(cat "$req" "$PY27" 2>/dev/null | sha256sum | cut -c1-16) $PY27"
[ $force = 1 ] && rm -rf "$AB_VENV"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] \
  && "$AB_PY27" -c 'import autobahntestsuite, autobahn, twisted' >/dev/null 2>&1; then
  ab_log "wstest venv already up to date: $AB_VENV"
else
  boot="$AUTOBAHN_HOME/bootstrap"
  if ! PYTHONPATH="$boot" "$PY27" -c "import virtualenv, sys; sys.exit(virtualenv.__version__ != '$VIRTUALENV_VERSION')" >/dev/null 2>&1; then
    ab_log "installing virtualenv==$VIRTUALENV_VERSION into $boot"
    rm -rf "$boot"
    ab_retry 3 timeout 600 "$PY27" -m pip install -q --target "$boot" "virtualenv==$VIRTUALENV_VERSION" \
      || ab_die "pip could not install virtualenv==$VIRTUALENV_VERSION for $PY27 (is PyPI reachable?)"
  fi
  rm -rf "$AB_VENV"
  ab_log "creating virtualenv $AB_VENV"
  PYTHONPATH="$boot" "$PY27" -m virtualenv -q --no-periodic-update \
    --app-data "$AUTOBAHN_HOME/virtualenv-app-data" "$AB_VENV" \
    || ab_die "virtualenv creation failed"
  ab_log "installing the pinned packages of $req (wsaccel builds from source: needs gcc)"
  ab_retry 3 timeout 900 "$AB_VENV/bin/pip" install -q -r "$req" || ab_die "pip install -r $req failed (see above)"
  "$AB_VENV/bin/pip" check || ab_die "pip check found inconsistent dependencies"
  echo "$want_stamp" >"$stamp"
fi
ver="$("${AB_WSTEST[@]}" --autobahnversion 2>&1)" || ab_die "wstest does not start: $ver"
ab_log "${ver//$'\n'/ }"

# ---- 3. self-test: wstest echoserver <- wstest fuzzingclient, on loopback ----------
if [ $selftest = 1 ]; then
  tmp="$(mktemp -d /tmp/autobahn-selftest.XXXXXX)"
  port="$(ab_free_port)"
  (cd "$tmp" && exec "${AB_WSTEST[@]}" -m echoserver -w "ws://127.0.0.1:$port" -u 0) >"$tmp/echo.log" 2>&1 &
  echo_pid=$!
  trap 'ab_stop $echo_pid' EXIT
  ab_wait_listening "$port" "$echo_pid" 20 || ab_die "wstest echoserver did not start (log: $tmp/echo.log)"
  cat >"$tmp/spec.json" <<J
{"outdir": "$tmp/reports", "servers": [{"agent": "selftest", "url": "ws://127.0.0.1:$port"}],
 "cases": ["1.1.1", "2.1", "5.1"], "exclude-cases": [], "exclude-agent-cases": {}}
J
  (cd "$tmp" && timeout 120 "${AB_WSTEST[@]}" -m fuzzingclient -s "$tmp/spec.json") >"$tmp/wstest.log" 2>&1 \
    || ab_die "self-test: wstest fuzzingclient failed (logs in $tmp)"
  "$AB_PY3" "$AB_DIR/results.py" summary "$tmp/reports/index.json" --expect 3 >"$tmp/summary.txt" \
    || { cat "$tmp/summary.txt" >&2; ab_die "self-test failed (logs in $tmp)"; }
  ab_stop "$echo_pid"
  trap - EXIT
  ab_log "self-test OK ($(grep -o 'behavior: .*' "$tmp/summary.txt" | head -1))"
  rm -rf "$tmp"
fi
ab_log "done. wstest is in $AB_VENV; run tests/autobahn/run.sh"
