#!/usr/bin/env bash
# install-deps.sh [--servers] — installs, with apt-get, the Debian packages forkless needs to
# build and to run its test suites, if any is missing (so `make demo` and `make test` work
# on a fresh Debian 12).  --servers adds the PostgreSQL and MariaDB servers that CI starts
# for the database tests.  Uses sudo when not run as root.  Does nothing when all is there.
set -euo pipefail
packages=(build-essential meson ninja-build pkg-config libsqlite3-dev sqlite3 libjansson-dev libinih-dev
          libpq-dev postgresql-client libmariadb-dev mariadb-client
          python3 python3-django python3-psycopg2 python3-mysqldb libxml2-utils)
if [ "${1:-}" = "--servers" ]; then
  packages+=(postgresql mariadb-server python3-pytest-xdist)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/forkless-apt-XXXXXX.log)
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -40 "$log"
  echo "install-deps: apt-get failed (log: $log)"
  exit 1
fi
rm -f "$log"
