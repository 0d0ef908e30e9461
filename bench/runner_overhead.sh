#!/bin/sh
# runner_overhead.sh — the runner benchmark of issue #2: the cost of running a test to the
# runner itself.  10,000 (and 100,000) no-op tests through the C test API on 2 workers,
# side by side with pytest-xdist -n 2 and Django --parallel 2 on equivalent generated
# suites; prints a table (wall time, coordinator CPU per test, coordinator peak RSS).
# Method and figures: docs/benchmarks.md, "Runner overhead".
#
#   bench/runner_overhead.sh [BUILD_DIR] [--runs N] [--no-100k] [--only-forkless] [--keep]
#
# BUILD_DIR (default build/) should be configured with --buildtype=release:
#   meson setup build-bench --buildtype=release && bench/runner_overhead.sh build-bench
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=build
case "${1:-}" in
    ''|-*) ;;
    *) build=$1; shift ;;
esac
if [ ! -f "$build/build.ninja" ]; then
    echo "runner_overhead: '$build' is not a meson build directory;" \
         "make one with: meson setup $build --buildtype=release" >&2
    exit 2
fi
buildtype=$(sed -n 's/.*"name": "buildtype", "value": "\([a-z]*\)".*/\1/p' \
    "$build/meson-info/intro-buildoptions.json" 2>/dev/null | head -n 1)
if [ -z "$buildtype" ]; then
    buildtype=$(/usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "buildtype"))' \
        "$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)
fi
if [ "$buildtype" != release ]; then
    echo "runner_overhead: warning: $build has buildtype '$buildtype', not release;" \
         "figures will not be comparable" >&2
fi

targets="bench/runner/noop-tests bench/runner/rusage-probe.so"
case " $* " in
    *" --no-100k "*) ;;
    *) targets="$targets bench/runner/noop-tests-100k" ;;
esac
# shellcheck disable=SC2086 # the targets are words
ninja -C "$build" $targets >&2
# The `forkless run` rows need the CLI; without it they are left out, not the whole run.
ninja -C "$build" forkless >&2 || echo "runner_overhead: warning: the forkless CLI did not build" >&2

echo "build: $build (buildtype $buildtype)"
exec /usr/bin/python3 "$here/runner/runner_overhead.py" "$build" "$@"
