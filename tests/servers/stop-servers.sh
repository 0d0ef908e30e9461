#!/usr/bin/env bash
# stop-servers.sh DIR — stops the servers that start-postgres.sh / start-mariadb.sh started
# under DIR (each in its own subdirectory, as .ci/run uses them).
dir=${1:?usage: stop-servers.sh DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -f "$dir/pg/data/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null
  else "$bin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null; fi
fi
if [ -f "$dir/my/mysqld.pid" ]; then kill "$(cat "$dir/my/mysqld.pid")" 2>/dev/null; fi
exit 0
