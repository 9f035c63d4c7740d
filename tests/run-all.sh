#!/usr/bin/env bash
# Runs every test suite of sansocket; each suite installs what it needs itself.
#
#   bash tests/run-all.sh            # everything
#   bash tests/run-all.sh rust python # only some suites
#
# Suites: rust (cargo test, the core without default features, the wasm32 builds of the
# core and of sansocket-stomp), autobahn (the Autobahn testsuite against the Rust examples,
# both roles), python (the pyo3 binding: vectors, interop with websockets, Autobahn), wasm
# (the npm package: vectors, interop with ws, headless Chromium, Autobahn), stomp (both
# bindings and their STOMP peers against a real RabbitMQ, which it starts and stops), chat
# (the chat server with headless Chromium pages, see tests/chat/run.sh), fuzz (every
# cargo-fuzz target for a short time).
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(rust autobahn python wasm stomp chat fuzz)

# Every case in tests/autobahn/expected/*.json is OK or INFORMATIONAL: `run.sh --update`
# records what a run gave, so this keeps a failure from ever becoming "expected".
expected_clean() {
  python3 - tests/autobahn/expected/*.json <<'PY'
import json, sys
bad = [(path, case, v) for path in sys.argv[1:]
       for case, v in json.load(open(path))["cases"].items()
       if not {v["behavior"], v["behaviorClose"]} <= {"OK", "INFORMATIONAL"}]
for b in bad:
    print("autobahn: expected result is not clean:", *b)
print("autobahn: expected results: %d not clean" % len(bad))
sys.exit(1 if bad else 0)
PY
}

. tests/retry.sh

run_suite() {
  case "$1" in
    rust)
      retry 3 timeout 300 rustup target add wasm32-unknown-unknown &&
        cargo test --workspace --all-targets && cargo test --workspace --doc &&
        cargo test -p sansocket --no-default-features &&
        cargo build -p sansocket --target wasm32-unknown-unknown &&
        cargo build -p sansocket-stomp --target wasm32-unknown-unknown ;;
    autobahn)  # all 517 cases, both roles; the expected results themselves must be clean
      expected_clean && bash tests/autobahn/install.sh --no-selftest &&
        EXCLUDE= bash tests/autobahn/run.sh both ;;
    python) bash bindings-python/test.sh ;;
    wasm) bash bindings-wasm/test.sh ;;
    stomp) bash tests/stomp/run.sh ;;
    chat) bash tests/chat/run.sh ;;
    fuzz) bash fuzz/run.sh 20 ;;  # 20 s per target; a long campaign: see fuzz/README.md
    *) echo "unknown suite $1" >&2; return 2 ;;
  esac
}

passed=0; failed=0; failures=()
for suite in "${suites[@]}"; do
  echo "==> suite $suite"
  start=$(date +%s)
  if run_suite "$suite"; then
    passed=$((passed + 1)); verdict=ok
  else
    failed=$((failed + 1)); failures+=("$suite"); verdict=FAILED
  fi
  echo "==> suite $suite: $verdict in $(( $(date +%s) - start ))s"
done
[ $failed -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
