#!/usr/bin/env bash
# Runs every test suite of sansocket; each suite installs what it needs itself.
#
#   bash tests/run-all.sh            # everything
#   bash tests/run-all.sh rust python # only some suites
#
# Suites: rust (cargo test + the wasm32 build of the core), autobahn (the Autobahn
# testsuite against the Rust examples, both roles), python (the pyo3 binding: vectors,
# interop with websockets, Autobahn), wasm (the npm package: vectors, interop with ws,
# headless Chromium, Autobahn), fuzz (every cargo-fuzz target for a short time).
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(rust autobahn python wasm fuzz)

run_suite() {
  case "$1" in
    rust)
      cargo test --workspace --all-targets && cargo test --workspace --doc &&
        cargo build -p sansocket --target wasm32-unknown-unknown ;;
    autobahn) bash tests/autobahn/run.sh both ;;
    python) bash bindings-python/test.sh ;;
    wasm) bash bindings-wasm/test.sh ;;
    fuzz) bash fuzz/run.sh ;;
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
