#!/bin/sh
# Temporal's two PostgreSQL databases and their schemas, with temporal-sql-tool from the
# temporalio/admin-tools image (what Temporal documents instead of the auto-setup image). Safe to
# run again: an existing database is kept and update-schema only applies missing versions.
set -eu
: "${POSTGRES_SEEDS:?set POSTGRES_SEEDS}" "${POSTGRES_USER:?set POSTGRES_USER}" "${SQL_PASSWORD:?set SQL_PASSWORD}"
port=${DB_PORT:-5432}
sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$port" --db "$@"; }

for db in temporal temporal_visibility; do
  schema=temporal
  [ "$db" = temporal_visibility ] && schema=visibility
  sql "$db" create 2>/dev/null || echo "database $db exists"
  # Version 0.0 creates the bookkeeping table on a new database; on an existing one it is a no-op error.
  sql "$db" setup-schema -v 0.0 2>/dev/null || echo "schema of $db already set up"
  sql "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$schema/versioned"
done
echo "Temporal schemas are up to date"
