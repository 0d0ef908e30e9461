#!/usr/bin/env bash
# start-mariadb.sh DIR [PORT] — starts a throwaway MariaDB server for the test suite: its
# own data directory and socket under DIR, loopback only; prints the URL of a root
# connection (password "forkless") on stdout.  Stop it with stop-servers.sh DIR.
set -euo pipefail
dir=${1:?usage: start-mariadb.sh DIR [PORT]}
port=${2:-33069}
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
"$server" --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" --port="$port" --bind-address=127.0.0.1 \
  --pid-file="$dir/mysqld.pid" --user="$user" --skip-name-resolve --innodb-flush-log-at-trx-commit=0 \
  --innodb-doublewrite=0 --max-connections=300 --log-error="$dir/server.log" >/dev/null 2>&1 &
for _ in $(seq 1 120); do
  if mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e 'select 1' >/dev/null 2>&1; then break; fi
  sleep 0.5
done
mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e "
  CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY 'forkless';
  ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY 'forkless';
  ALTER USER 'root'@'localhost' IDENTIFIED BY 'forkless';
  GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
  FLUSH PRIVILEGES;" 2>/dev/null \
  || mariadb --no-defaults -uroot -pforkless --socket="$dir/mysqld.sock" -e 'select 1' >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
echo "mysql://root:forkless@127.0.0.1:$port/mysql"
