#!/bin/sh
# timing.sh — the bookshop suite serially and in parallel, best of N runs each, as a table
# (the figures in docs/example.md).  Run from anywhere after building:
#   examples/bookshop/timing.sh [BUILD_DIR] [RUNS]      (defaults: build, 3)
# The template is built once first (not timed); every timed run reuses it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
runs=${2:-3}
case $build in /*) ;; *) build=$(cd "$here/../.." && pwd)/$build ;; esac
tests=$build/examples/bookshop/bookshop-tests
[ -x "$tests" ] || { echo "timing.sh: $tests not built (make, or ninja -C BUILD_DIR)" >&2; exit 2; }
cd "$here"
"$tests" -j 1 -k 'isbn_*' --progress never >/dev/null   # template built (or reused) here

best_of() { # jobs → best wall seconds of $runs runs
    best=
    i=0
    while [ $i -lt "$runs" ]; do
        t=$("$tests" -j "$1" --progress never | sed -n 's/^forkless: [0-9]* tests in \([0-9.]*\)s.*/\1/p')
        best=$(printf '%s\n%s\n' "$t" "${best:-$t}" | sort -n | head -1)
        i=$((i + 1))
    done
    echo "$best"
}

serial=$(best_of 1)
printf '%-8s %10s %9s\n' "workers" "wall (s)" "speed-up"
printf '%-8s %10s %9s\n' 1 "$serial" "1.00"
for j in 2 4; do
    t=$(best_of $j)
    printf '%-8s %10s %9s\n' "$j" "$t" "$(echo "$serial $t" | awk '{printf "%.2f", $1 / $2}')"
done
echo "($(nproc) CPUs, best of $runs runs, $("$tests" --list | wc -l) tests)"
