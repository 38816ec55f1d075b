#!/bin/sh
# Creates (if missing) and migrates the two PostgreSQL databases of NEMO's Temporal cluster: persistence and SQL
# visibility. Idempotent: a database already at the newest version is left as it is. Run natively by
# platform/temporal/temporal-cluster.ts and by the temporal-schema service of docker-compose.yml, with the schemas embedded
# in temporal-sql-tool (the same server version as the server).
#   TEMPORAL_SQL_TOOL (default temporal-sql-tool), TEMPORAL_SQL_HOST, TEMPORAL_SQL_PORT, TEMPORAL_SQL_USER,
#   TEMPORAL_SQL_PASSWORD, TEMPORAL_SQL_DATABASE, TEMPORAL_SQL_VISIBILITY_DATABASE
set -eu
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
export SQL_PASSWORD="${TEMPORAL_SQL_PASSWORD:-}"

for pair in "${TEMPORAL_SQL_DATABASE:-temporal}:postgresql/v12/temporal" "${TEMPORAL_SQL_VISIBILITY_DATABASE:-temporal_visibility}:postgresql/v12/visibility"; do
  database="${pair%%:*}"
  schema="${pair#*:}"
  sql() {
    "$tool" --plugin postgres12 --endpoint "${TEMPORAL_SQL_HOST:-127.0.0.1}" --port "${TEMPORAL_SQL_PORT:-5432}" \
      --user "${TEMPORAL_SQL_USER:-temporal}" --database "$database" "$@"
  }
  echo "temporal schema: $database ($schema)"
  # create-database fails when the database exists; setup-schema -v 0.0 only creates the version tables if missing.
  sql create-database >/dev/null 2>&1 || true
  sql setup-schema -v 0.0
  sql update-schema --schema-name "$schema"
done
