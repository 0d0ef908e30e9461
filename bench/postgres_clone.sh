#!/usr/bin/env bash
# bench/postgres_clone.sh — how long N clones of a PostgreSQL template take: forkless
# (`forkless db clone --count N`, all clones at once, one connection each) against Django's
# way (one CREATE DATABASE ... TEMPLATE after the other, on one connection, through psql),
# for templates of ~10 MB and ~100 MB, N = 1, 2, 4, and each strategy (file_copy, wal_log).
# Prints a Markdown table of median wall times over REPS runs, and forkless/Django.
#
#   bench/postgres_clone.sh [BUILD_DIR]      (default: build)
#
# Server: $FORKLESS_TEST_PG_URL (a superuser URL to the maintenance database "postgres"),
# else a throwaway cluster is started with tests/servers/start-postgres.sh on port 54349
# (run as root, or as a user who can run initdb) and stopped at the end.
# REPS (default 3) and SIZES (default "10 100", in MB) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
forkless="$build/forkless"
[ -x "$forkless" ] || { echo "postgres_clone.sh: $forkless not built (ninja -C $build)" >&2; exit 2; }
reps=${REPS:-3}
sizes=${SIZES:-"10 100"}

tmp=$(mktemp -d /tmp/fl-pgbench-XXXXXX)
chmod 755 "$tmp"
cleanup() {
  [ -n "${started:-}" ] && tests/servers/stop-servers.sh "$tmp"
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "${FORKLESS_TEST_PG_URL:-}" ]; then
  server=$FORKLESS_TEST_PG_URL
else
  server=$(tests/servers/start-postgres.sh "$tmp/pg" 54349)
  started=1
fi
base=${server%%\?*}
base=${base%/*}                         # postgresql://user@host:port
export PGOPTIONS="-c client_min_messages=warning"
psql=(psql -X -q -v ON_ERROR_STOP=1 -At)

sql() { "${psql[@]}" "$base/postgres" -c "$1"; }
now() { date +%s.%N; }

# Makes template bench_<mb>mb of about mb megabytes (rows of ~100 bytes and an index).
make_template() {
  local mb=$1 name="bench_${1}mb"
  sql "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  sql "CREATE DATABASE $name"
  "${psql[@]}" "$base/$name" -c "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS a, md5((g*7)::text) AS b
    FROM generate_series(1, $((mb * 7500))) g; ALTER TABLE t ADD PRIMARY KEY (id);"
  "${psql[@]}" "$base/$name" -c "VACUUM ANALYZE t"
}

# forkless: N clones at once; prints the seconds, then drops them.
time_forkless() {
  local name=$1 n=$2 method=$3 start end urls
  sql "CHECKPOINT"
  start=$(now)
  urls=$("$forkless" db clone "$base/$name" --count "$n" --method "$method")
  end=$(now)
  # shellcheck disable=SC2086
  "$forkless" db drop $urls
  echo "$end - $start" | bc
}

# Django's way: one CREATE DATABASE after the other on one connection.
time_sequential() {
  local name=$1 n=$2 method=$3 start end i stmts="" drops=""
  local strategy="STRATEGY ${method^^}"
  for i in $(seq 1 "$n"); do
    stmts+="CREATE DATABASE ${name}_dj_$i TEMPLATE $name $strategy;"
    drops+="DROP DATABASE ${name}_dj_$i;"
  done
  sql "CHECKPOINT"
  start=$(now)
  printf '%s' "$stmts" | "${psql[@]}" "$base/postgres" >/dev/null
  end=$(now)
  printf '%s' "$drops" | "${psql[@]}" "$base/postgres" >/dev/null
  echo "$end - $start" | bc
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

version=$(sql "SHOW server_version")
echo "PostgreSQL $version, $(nproc) CPUs, median of $reps runs"
echo
echo "| template | N | strategy | forkless (s) | Django sequential (s) | forkless / Django |"
echo "|---|---|---|---|---|---|"
for mb in $sizes; do
  make_template "$mb"
  name="bench_${mb}mb"
  size=$(sql "SELECT pg_size_pretty(pg_database_size('$name'))")
  for n in 1 2 4; do
    for method in file_copy wal_log; do
      f=$(for _ in $(seq "$reps"); do time_forkless "$name" "$n" "$method"; done | median)
      d=$(for _ in $(seq "$reps"); do time_sequential "$name" "$n" "$method"; done | median)
      ratio=$(echo "scale=2; $f / $d" | bc)
      printf '| %s | %d | %s | %.3f | %.3f | %.2f |\n' "$size" "$n" "$method" "$f" "$d" "$ratio"
    done
  done
  sql "DROP DATABASE $name WITH (FORCE)"
done
