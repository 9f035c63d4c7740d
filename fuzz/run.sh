#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after another, starting
# from the checked-in seeds. Fails if any target finds a crash (saved in fuzz/artifacts/).
#
#   fuzz/run.sh [SECONDS] [TARGET...]        # default: 40 s per target, all targets
#   nice -n 15 fuzz/run.sh 480               # a long campaign: 8 min per target
#
# Needs the nightly toolchain (installed here if missing) and cargo-fuzz (installed if
# missing). New inputs go to fuzz/corpus/<target>/ (not checked in), logs to fuzz/logs/.
set -euo pipefail
cd "$(dirname "$0")"

CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET=${1:-40}
shift || true
ALL=(handshake_server handshake_client frames_server frames_client
     connection_server connection_client differential deflate deflate_compress inflate mask
     stomp_decoder stomp_broker proxy_connect text)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

. ../tests/retry.sh
if ! rustup toolchain list | grep -q '^nightly'; then
    retry 3 timeout 600 rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    retry 3 timeout 900 cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

cargo +nightly fuzz build
mkdir -p logs
failed=()
total=0
for target in "${TARGETS[@]}"; do
    mkdir -p "corpus/$target"
    echo "==> $target: ${SECONDS_PER_TARGET}s"
    if ! cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
            -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 >"logs/$target.log" 2>&1; then
        failed+=("$target")
        grep -E 'panicked|SUMMARY|Test unit written' "logs/$target.log" || tail -20 "logs/$target.log"
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$target.log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "logs/$target.log" | tail -1)
    echo "    ${runs:-?} runs, $cov"
    total=$((total + ${runs:-0}))
done
echo "==> $total runs in total"
if [ ${#failed[@]} -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs in fuzz/artifacts/, reproduce with" \
         "cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...)" >&2
    exit 1
fi
