#!/bin/sh
# bench/sqlite_clone.sh — how long 4 clones of an SQLite template take (1 MB and 100 MB)
# with each forkless method, cp, the sqlite3 .dump pipe and Django's methods; prints a
# Markdown table (see docs/databases.md for the figures and what they decide).
#
#   bench/sqlite_clone.sh [BUILD_DIR] [SIZE_MB...]      (defaults: build, 1 100)
#
# Needs a built forkless (ninja -C BUILD_DIR), /usr/bin/python3 (3.11+: deserialize) and,
# for the dump pipe row, the sqlite3 shell.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
forkless=$(cd "$build" && pwd)/forkless
if [ ! -x "$forkless" ]; then
    echo "sqlite_clone.sh: $forkless is not built (ninja -C $build)" >&2
    exit 2
fi
python=/usr/bin/python3
[ -x "$python" ] || python=python3
echo "forkless $("$forkless" --version 2>/dev/null | head -1); SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1); $(nproc) CPUs; $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}') at ${TMPDIR:-/tmp}" >&2
helper=$(cd "$build" && pwd)/bench/forkless-bench-sqlite
exec "$python" "$here/sqlite_clone.py" "$forkless" "$helper" "$@"
