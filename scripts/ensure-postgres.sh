#!/usr/bin/env bash
# Makes sure the PostgreSQL server of the database tests answers at
# TEST_DATABASE_URL (default: postgres@127.0.0.1:5432, password "postgres").
# When none does and this runs as root on Debian/Ubuntu, installs and starts
# one; otherwise says in one line what is missing. (The apps themselves need
# no server: without DATABASE_URL they use embedded PGlite.)
set -euo pipefail
cd "$(dirname "$0")/.."

url=${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
where=${url##*@} # host, port and database, without credentials

answers() {
  node -e '
    const { Client } = require("pg");
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.end()).then(() => process.exit(0), () => process.exit(1));
  ' "$url"
}

answers && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "No PostgreSQL answers at $where: start one (e.g. 'sudo apt-get install postgresql') or set TEST_DATABASE_URL, and retry." >&2
  exit 1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL not found: installing it with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
for version in /etc/postgresql/*; do
  pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start 2>/dev/null || true
done
# Debian's clusters ask TCP clients for a password: give postgres the one the
# default URL uses (only for that default).
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
fi
for _ in $(seq 1 50); do
  answers && exit 0
  sleep 0.2
done
echo "PostgreSQL was started but does not answer at $where (check its logs under /var/log/postgresql)." >&2
exit 1
