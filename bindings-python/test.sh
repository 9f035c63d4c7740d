#!/usr/bin/env bash
# Builds, installs and tests the Python binding (what CI runs through tests/run-all.sh).
#
#   bash bindings-python/test.sh [pytest args...]
#
# 1. a virtualenv in bindings-python/.venv (made if missing) with the pinned tools of
#    requirements-test.txt;
# 2. `pip install ./bindings-python`, as a user does (maturin builds the wheel for that interpreter);
# 3. the stubs against the module (mypy.stubtest), a typed usage file and the benchmarks
#    (mypy --strict);
# 4. pytest: the shared vectors, the sans-IO API, bad input, asyncio, interop with
#    `websockets`, the echo server example, uvicorn with sansocket.uvicorn, sansocket.wsproto, clients through
#    HTTP proxies (a real tinyproxy on loopback, installed with apt above if missing);
#    then wsproto 1.3.2's own test suite (downloaded from PyPI, sha256 checked) against
#    sansocket.wsproto (tests/wsproto_compat/run.sh);
# 5. Autobahn|Testsuite against `python -m sansocket.examples.echo_server` (the same expected
#    results as the Rust echo server), then against uvicorn serving an ASGI echo app through
#    `--ws sansocket.uvicorn:WebSocketProtocol` (tests/uvicorn_echo.py; the same expected
#    results). AUTOBAHN=0 skips both.
# Env: PYTHON (default python3) makes the virtualenv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$here"
venv="$here/.venv"
py="$venv/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { echo "==> python: $*"; }
. "$repo/tests/retry.sh"

if [ ! -x "$py" ]; then
  step "creating $venv"
  "${PYTHON:-python3}" -m venv "$venv"
fi
step "tinyproxy and openssl (the proxy tests: tests/test_proxy.py)"
if ! command -v tinyproxy >/dev/null || ! command -v openssl >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  retry 3 $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y tinyproxy openssl >/dev/null ||
    { $sudo_cmd apt-get update >/dev/null && retry 3 $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y tinyproxy openssl >/dev/null; }
fi
step "installing the pinned test tools"
retry 3 timeout 900 "$py" -m pip install --quiet -r requirements-test.txt

step "pip install ./bindings-python (maturin, release)"
(cd "$repo" && retry 3 timeout 1200 "$py" -m pip install --quiet --force-reinstall --no-deps ./bindings-python)

step "type stubs: mypy.stubtest and mypy --strict"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# From an empty directory, so that the installed package is checked, not python/.
(cd "$tmp" && "$py" -m mypy.stubtest sansocket && "$py" -m mypy --strict -p sansocket)
"$py" -m mypy --strict --cache-dir "$tmp/mypy" tests/typed_usage.py bench

step "pytest"
status=0
(cd "$tmp" && "$py" -m pytest "$here/tests" -p no:cacheprovider -q "$@") || status=1
step "wsproto 1.3.2's test suite against sansocket.wsproto"
PY="$py" bash "$here/tests/wsproto_compat/run.sh" || status=1

if [ "${AUTOBAHN:-1}" = 1 ]; then
  step "Autobahn|Testsuite against python -m sansocket.examples.echo_server"
  bash "$repo/tests/autobahn/install.sh" --no-selftest >/dev/null || status=1
  SERVER_CMD="$py -m sansocket.examples.echo_server {addr}" SERVER_AGENT=sansocket-python \
    REPORTS_DIR="${REPORTS_DIR:-$repo/tests/autobahn/reports/python}" BUILD=0 \
    bash "$repo/tests/autobahn/run.sh" server || status=1
  step "Autobahn permessage-deflate sample (12.1.*, 13.1.*; EXCLUDE= runs all 216)"
  SERVER_CMD="$py -m sansocket.examples.echo_server {addr}" SERVER_AGENT=sansocket-python \
    REPORTS_DIR="$repo/tests/autobahn/reports/python-deflate" BUILD=0 EXCLUDE= \
    CASES="${SANSOCKET_DEFLATE_CASES:-12.1.*,13.1.*}" \
    bash "$repo/tests/autobahn/run.sh" server || status=1
  step "Autobahn|Testsuite against uvicorn --ws sansocket.uvicorn:WebSocketProtocol"
  SERVER_CMD="$py bindings-python/tests/uvicorn_echo.py {addr}" SERVER_AGENT=sansocket-uvicorn \
    REPORTS_DIR="${UVICORN_REPORTS_DIR:-$repo/tests/autobahn/reports/python-uvicorn}" BUILD=0 \
    bash "$repo/tests/autobahn/run.sh" server || status=1
fi
exit $status
