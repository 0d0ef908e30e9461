#!/usr/bin/env bash
# mysql_clone.sh [BUILD_DIR] — times MySQL/MariaDB clone methods: forkless's server-side
# "copy" and its "dump", against Django's way (a sequential loop of CREATE DATABASE;
# mysqldump --routines --events | mysql), on the same server in the same run, for a
# template of ~60 tables at ~20 MB and ~100 MB of data and N = 1, 2, 4 clones.
# Prints a Markdown table (seconds of wall time; lower is better).
#
# The server: $FORKLESS_BENCH_MYSQL_URL (root-like privileges), else a throwaway one
# started with tests/servers/start-mariadb.sh on port ${FORKLESS_BENCH_MYSQL_PORT:-33099}.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
forkless=$build/forkless
[ -x "$forkless" ] || { echo "mysql_clone.sh: $forkless not built" >&2; exit 2; }
work=$(mktemp -d /tmp/forkless-mysql-bench.XXXXXX)
cleanup() { [ -n "${own_server:-}" ] && "$here/tests/servers/stop-servers.sh" "$work"; rm -rf "$work"; }
trap cleanup EXIT
if [ -n "${FORKLESS_BENCH_MYSQL_URL:-}" ]; then
  url=$FORKLESS_BENCH_MYSQL_URL
else
  url=$("$here/tests/servers/start-mariadb.sh" "$work/my" "${FORKLESS_BENCH_MYSQL_PORT:-33099}")
  own_server=1
fi
# user, password, host, port of the URL for the command-line clients
rest=${url#*://}; auth=${rest%%/*}; cred=${auth%@*}; hostport=${auth##*@}
user=${cred%%:*}; pass=${cred#*:}; host=${hostport%%:*}; port=${hostport##*:}
[ "$port" = "$hostport" ] && port=3306
export MYSQL_PWD=$pass
client=(--no-defaults --protocol=TCP --host="$host" --port="$port" --user="$user" --default-character-set=utf8mb4)
sql() { mysql "${client[@]}" --batch --skip-column-names "$@"; }
server_url() { echo "${url%%/*}//$auth/$1"; }

# make_template NAME ROWS_PER_TABLE: 60 tables (20 of each of three shapes), foreign keys,
# a view, a trigger and a procedure.
make_template() {
  local name=$1 rows=$2
  {
    echo "DROP DATABASE IF EXISTS \`$name\`; CREATE DATABASE \`$name\` CHARACTER SET utf8mb4; USE \`$name\`;"
    echo "SET SESSION max_recursive_iterations = 1000000;"
    echo "CREATE TABLE seq (n INT PRIMARY KEY);"
    echo "INSERT INTO seq WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $rows) SELECT n FROM s;"
    for i in $(seq 1 20); do
      echo "CREATE TABLE customer_$i (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(80), email VARCHAR(120), created DATETIME, KEY (email));"
      echo "CREATE TABLE order_$i (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(12,2), note TEXT, FOREIGN KEY (customer_id) REFERENCES customer_$i (id));"
      echo "CREATE TABLE event_$i (id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(20), payload VARCHAR(200), at TIMESTAMP NULL);"
      echo "INSERT INTO customer_$i (name, email, created) SELECT CONCAT('customer ', n), CONCAT('c', n, '@example.com'), '2024-01-01' + INTERVAL n MINUTE FROM seq;"
      echo "INSERT INTO order_$i (customer_id, total, note) SELECT n, n * 1.5, REPEAT('x', 40) FROM seq;"
      echo "INSERT INTO event_$i (kind, payload, at) SELECT 'k', MD5(n), '2024-01-01' + INTERVAL n SECOND FROM seq;"
    done
    echo "DROP TABLE seq;"
    echo "CREATE VIEW big_orders AS SELECT * FROM order_1 WHERE total > 100;"
    echo "CREATE TRIGGER order_1_touch BEFORE UPDATE ON order_1 FOR EACH ROW SET NEW.note = CONCAT(NEW.note, '.');"
    echo "CREATE PROCEDURE touch_all() UPDATE order_1 SET total = total;"
  } | sql
}

size_mb() {
  sql -e "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$1'"
}

now() { date +%s.%N; }

# Waits until InnoDB has flushed its dirty pages, so that no measurement pays for the
# previous one's writes.
settle() {
  local was d
  was=$(sql -e "SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
  sql -e "SET GLOBAL innodb_max_dirty_pages_pct = 0" 2>/dev/null || return 0
  for _ in $(seq 1 240); do
    d=$(sql -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
    [ "${d:-0}" -lt 100 ] && break
    sleep 0.5
  done
  sql -e "SET GLOBAL innodb_max_dirty_pages_pct = $was"
}

# forkless db clone with a method: seconds to make N clones (then dropped, not timed).
time_forkless() {
  local name=$1 n=$2 method=$3 t0 t1
  settle
  t0=$(now)
  "$forkless" db clone "$(server_url "$name")" --count "$n" --method "$method" >"$work/urls"
  t1=$(now)
  xargs "$forkless" db drop <"$work/urls"
  echo "$t1 - $t0" | bc
}

# Django's MySQL clone loop (django/db/backends/mysql/creation.py): per clone, sequential.
time_django() {
  local name=$1 n=$2 t0 t1
  settle
  t0=$(now)
  for i in $(seq 1 "$n"); do
    sql -e "CREATE DATABASE \`${name}_dj_$i\`"
    mysqldump "${client[@]}" --routines --events "$name" | mysql "${client[@]}" -D "${name}_dj_$i"
  done
  t1=$(now)
  for i in $(seq 1 "$n"); do sql -e "DROP DATABASE \`${name}_dj_$i\`"; done
  echo "$t1 - $t0" | bc
}

echo "| template | N | forkless copy (s) | forkless dump (s) | Django mysqldump\|mysql loop (s) | copy vs Django |"
echo "|---|---|---|---|---|---|"
for rows in ${FORKLESS_BENCH_ROWS:-3000 15000}; do
  tpl=bench_tpl_$rows
  make_template "$tpl" "$rows"
  mb=$(size_mb "$tpl")
  time_forkless "$tpl" 1 copy >/dev/null # warm-up: the template's pages in the buffer pool
  for n in 1 2 4; do
    copy=$(time_forkless "$tpl" "$n" copy)
    dump=$(time_forkless "$tpl" "$n" dump)
    django=$(time_django "$tpl" "$n")
    ratio=$(echo "scale=1; $django / $copy" | bc)
    printf '| 60 tables, %s MB | %d | %.2f | %.2f | %.2f | %sx |\n' "$mb" "$n" "$copy" "$dump" "$django" "$ratio"
  done
  sql -e "DROP DATABASE \`$tpl\`"
done
