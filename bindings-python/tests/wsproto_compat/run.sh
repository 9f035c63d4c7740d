#!/usr/bin/env bash
# wsproto 1.3.2's own test suite against sansocket.wsproto.
#
#   bash bindings-python/tests/wsproto_compat/run.sh [pytest args...]
#
# Downloads wsproto's sdist from PyPI (pinned version, sha256 checked: its tests are not
# copied into this repository), unpacks its tests/ into a temporary directory and runs them
# with the wsproto_alias plugin, which redirects `import wsproto` to sansocket.wsproto and
# deselects the tests of wsproto's private internals listed in excluded.txt.
# Env: PY, the Python with sansocket, pytest and h11 installed (default: python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../../tests/retry.sh"
py="${PY:-python3}"
version=1.3.2
sha256=b86885dcf294e15204919950f666e06ffc6c7c114ca900b060d6e16293528294
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cache="${WSPROTO_SDIST_CACHE:-$here/.sdist}"
sdist="$cache/wsproto-$version.tar.gz"
if [ ! -f "$sdist" ] || ! echo "$sha256  $sdist" | sha256sum -c --quiet - 2>/dev/null; then
  mkdir -p "$cache"
  rm -f "$sdist"
  retry 3 timeout 300 "$py" -m pip download --quiet --no-binary :all: --no-deps --dest "$cache" "wsproto==$version"
fi
echo "$sha256  $sdist" | sha256sum -c --quiet -
tar -xzf "$sdist" -C "$tmp" "wsproto-$version/tests"
cd "$tmp/wsproto-$version"
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" \
  "$py" -bb -m pytest -p wsproto_alias -p no:cacheprovider -q tests "$@"
