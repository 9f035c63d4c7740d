# retry N CMD...: runs CMD up to N times, waiting 5, 10, ... seconds between attempts; for
# installs that go through a registry mirror, which can be slow or briefly fail.
# Sourced by .ci/run, tests/run-all.sh, fuzz/run.sh and the bindings' test.sh.
retry() {
  local n=$1 i
  shift
  for i in $(seq 1 "$n"); do
    "$@" && return 0
    echo "attempt $i of $n failed: $*" >&2
    [ "$i" = "$n" ] || sleep $((i * 5))
  done
  return 1
}
