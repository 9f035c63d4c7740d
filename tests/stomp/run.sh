#!/usr/bin/env bash
# The `stomp` suite of tests/run-all.sh: the tests that need a real RabbitMQ broker.
# Starts RabbitMQ (tests/services/rabbitmq.sh installs it if missing), runs the Python
# tests in bindings-python/tests_rabbitmq and the Node tests in bindings-wasm/test-rabbitmq,
# and stops the broker, even when a test fails. STOMP tests that need no broker (vectors,
# interop with stomp.py and @stomp/stompjs against our own broker) are in the python and
# wasm suites.
#
#   bash tests/stomp/run.sh            # install what is missing, build both bindings, test
#   BUILD=0 bash tests/stomp/run.sh    # reuse the installed Python package and bindings-wasm/pkg
#
# Env: PYTHON (default python3) makes bindings-python/.venv when it is missing.
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
. tests/retry.sh
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { echo "==> stomp: $*"; }

step "RabbitMQ"
start=$(date +%s)
if bash tests/services/rabbitmq.sh status >/dev/null; then
  step "RabbitMQ already running: using it, leaving it running"
else
  bash tests/services/rabbitmq.sh start || exit 1
  trap 'bash tests/services/rabbitmq.sh stop' EXIT
  step "RabbitMQ installed and started in $(( $(date +%s) - start ))s"
fi
eval "$(bash tests/services/rabbitmq.sh env)"
export RABBITMQ_STOMP_HOST RABBITMQ_STOMP_PORT RABBITMQ_WS_URL RABBITMQ_USER RABBITMQ_PASSWORD

status=0

step "Python: stomp.py and sansocket.stomp against RabbitMQ"
py="$repo/bindings-python/.venv/bin/python"
(
  set -e
  [ -x "$py" ] || "${PYTHON:-python3}" -m venv "$repo/bindings-python/.venv"
  retry 3 timeout 900 "$py" -m pip install --quiet -r bindings-python/requirements-test.txt
  if [ "${BUILD:-1}" = 1 ]; then
    retry 3 timeout 1200 "$py" -m pip install --quiet --force-reinstall --no-deps ./bindings-python
  fi
  cd "$(mktemp -d)"  # the installed package, not bindings-python/python
  timeout 600 "$py" -m pytest "$repo/bindings-python/tests_rabbitmq" -p no:cacheprovider -q
) || status=1

step "Node: @stomp/stompjs and the npm package against RabbitMQ"
(
  set -e
  cd bindings-wasm
  if [ "${BUILD:-1}" = 1 ] || [ ! -d node_modules ]; then
    retry 3 timeout 600 npm ci --no-audit --no-fund
    npm run build
  fi
  timeout 600 node --test --test-concurrency=1 test-rabbitmq/
) || status=1

exit $status
