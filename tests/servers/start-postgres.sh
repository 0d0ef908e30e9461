#!/usr/bin/env bash
# start-postgres.sh DIR [PORT] — starts a throwaway PostgreSQL cluster for the test suite:
# its own data directory DIR, loopback only, fsync off; prints the URL of a superuser
# connection on stdout.  Stop it with: pg_ctl -D DIR/data stop (or stop-servers.sh DIR).
# Runs the server as the owner of DIR (the "postgres" user when started as root).
# The superuser "postgres" logs in without a password (trust); the role fl_pw_user
# (LOGIN CREATEDB, password "fl-secret-pw") must give its password over TCP
# (scram-sha-256), so that the tests can exercise password authentication
# (tests/db/auth_test.c).  Running it again on an existing DIR (server stopped or
# running) starts the server if needed and re-applies both settings.
set -euo pipefail
dir=${1:?usage: start-postgres.sh DIR [PORT]}
port=${2:-54329}
pw_user=fl_pw_user
pw_password=fl-secret-pw
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

# The password role's rule goes before the trust rules (the first matching line wins).
hba="$dir/data/pg_hba.conf"
hba_changed=0
if ! grep -Eq "^host[[:space:]]+all[[:space:]]+$pw_user[[:space:]]" "$hba"; then
  rules=$(awk -v rule="host    all             $pw_user      127.0.0.1/32            scram-sha-256" '
    !done && /^[[:space:]]*[^#[:space:]]/ { print rule; done = 1 }
    { print }
    END { if (!done) print rule }' "$hba")
  printf '%s\n' "$rules" | "${as[@]}" tee "$hba" >/dev/null  # in place: owner and mode stay
  hba_changed=1
fi

if "${as[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  # Already running: only a new rule needs a reload (pg_hba.conf is re-read on SIGHUP).
  if [ "$hba_changed" = 1 ]; then "${as[@]}" "$bin/pg_ctl" -D "$dir/data" reload >/dev/null; fi
else
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
fi

# The password role, created or reset (idempotent), through the trust superuser.
"$bin/psql" -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/postgres" >/dev/null <<SQL \
  || { echo "start-postgres.sh: cannot create the role $pw_user" >&2; exit 1; }
SET password_encryption = 'scram-sha-256';
SELECT format(CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = '$pw_user')
                   THEN 'ALTER ROLE %I LOGIN CREATEDB PASSWORD %L'
                   ELSE 'CREATE ROLE %I LOGIN CREATEDB PASSWORD %L' END,
              '$pw_user', '$pw_password') \gexec
SQL
echo "postgresql://postgres@127.0.0.1:$port/postgres"
