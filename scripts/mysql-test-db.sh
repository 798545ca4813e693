#!/usr/bin/env bash
# Create (idempotently) the test database and user on the local MariaDB/MySQL, as root over
# the unix socket. Prints nothing on success; exits non-zero with the reason otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
client="$(command -v mariadb || command -v mysql || true)"
if [ -z "$client" ]; then
  echo "mysql-test-db: no mariadb/mysql client found; install MariaDB or set FUEL_TEST_MYSQL_URL" >&2
  exit 1
fi
if ! "$client" --protocol=socket -uroot -e "SELECT 1" >/dev/null 2>&1; then
  # The server may still be starting (CI starts it before us, but give it a moment).
  for _ in $(seq 1 30); do
    sleep 1
    "$client" --protocol=socket -uroot -e "SELECT 1" >/dev/null 2>&1 && break
  done
fi
"$client" --protocol=socket -uroot < "$here/mysql-test-db.sql"
