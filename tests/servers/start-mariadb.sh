#!/usr/bin/env bash
# start-mariadb.sh DIR [PORT] — starts a throwaway MariaDB server for the test suite: its
# own data directory and socket under DIR, loopback only; prints the URL of a root
# connection (password "forkless") on stdout.  Stop it with stop-servers.sh DIR.
# It also makes the user fl_pw_user (password "fl-secret-pw", not root's) with the
# privileges forkless's mysql engine needs (docs/mysql.md) on the schemas named fl_pw_*
# and on `forkless`, for the password authentication tests (tests/db/auth_test.c).
# Running it again on an existing DIR (server stopped or running) starts the server if
# needed and re-applies the users.
set -euo pipefail
dir=${1:?usage: start-mariadb.sh DIR [PORT]}
port=${2:-33069}
pw_user=fl_pw_user
pw_password=fl-secret-pw
command -v mariadbd >/dev/null || command -v mysqld >/dev/null || [ -x /usr/sbin/mariadbd ] \
  || { echo "start-mariadb.sh: MariaDB server not found (apt-get install mariadb-server)" >&2; exit 1; }
server=$(command -v mariadbd || command -v mysqld || echo /usr/sbin/mariadbd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
user=$(id -un)
if [ ! -d "$dir/data/mysql" ]; then
  mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" --auth-root-authentication-method=normal \
    >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
fi

# root on the socket: without a password on a fresh data directory, "forkless" afterwards.
root_sql() { mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" "$@"; }
root_password=()
server_answers() {
  if root_sql -e 'select 1' >/dev/null 2>&1; then root_password=(); return 0; fi
  if root_sql -pforkless -e 'select 1' >/dev/null 2>&1; then root_password=(-pforkless); return 0; fi
  return 1
}

if ! server_answers; then
  "$server" --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" --port="$port" --bind-address=127.0.0.1 \
    --pid-file="$dir/mysqld.pid" --user="$user" --skip-name-resolve --innodb-flush-log-at-trx-commit=0 \
    --innodb-doublewrite=0 --max-connections=300 --log-error="$dir/server.log" >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    if server_answers; then break; fi
    sleep 0.5
  done
fi

# The privileges of the password user: docs/mysql.md's list on its schemas (templates
# and clones are named fl_pw_*; the list plus SELECT and SHOW VIEW, for reading templates),
# and on `forkless` the same plus DELETE: forkless reads its bookkeeping tables, REPLACEs
# rows (INSERT + DELETE) and forgets dropped clones (DELETE), which docs/mysql.md omits.
privileges="CREATE, DROP, INSERT, ALTER, INDEX, REFERENCES, CREATE VIEW, CREATE ROUTINE, ALTER ROUTINE, TRIGGER, EVENT, SELECT, SHOW VIEW"
users=""
for host in 127.0.0.1 localhost; do
  users+="
  CREATE USER IF NOT EXISTS '$pw_user'@'$host' IDENTIFIED BY '$pw_password';
  ALTER USER '$pw_user'@'$host' IDENTIFIED BY '$pw_password';
  REVOKE ALL PRIVILEGES, GRANT OPTION FROM '$pw_user'@'$host';
  GRANT $privileges ON \`fl\\_pw\\_%\`.* TO '$pw_user'@'$host';
  GRANT $privileges, DELETE ON \`forkless\`.* TO '$pw_user'@'$host';
  GRANT SELECT ON \`mysql\`.\`proc\` TO '$pw_user'@'$host';"
done
root_sql "${root_password[@]}" -e "
  CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY 'forkless';
  ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'forkless';
  ALTER USER 'root'@'localhost' IDENTIFIED BY 'forkless';
  GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
  $users
  FLUSH PRIVILEGES;" \
  || { echo "start-mariadb.sh: the server did not start, or its users could not be set up" >&2
       cat "$dir/server.log" >&2; exit 1; }
echo "mysql://root:forkless@127.0.0.1:$port/mysql"
