#!/usr/bin/env bash
# start-postgres.sh DIR [PORT] — starts a throwaway PostgreSQL cluster for the test suite:
# its own data directory DIR, loopback only, fsync off; prints the URL of a superuser
# connection on stdout.  Stop it with: pg_ctl -D DIR/data stop (or stop-servers.sh DIR).
# Runs the server as the owner of DIR (the "postgres" user when started as root).
set -euo pipefail
dir=${1:?usage: start-postgres.sh DIR [PORT]}
port=${2:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "start-postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
mkdir -p "$dir"
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  chmod a+x "$(dirname "$dir")"  # postgres must reach its directory
  as=(runuser -u postgres --)
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
fi
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
echo "postgresql://postgres@127.0.0.1:$port/postgres"
