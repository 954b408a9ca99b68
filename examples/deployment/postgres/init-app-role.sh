#!/bin/sh
# Runs once when the PostgreSQL volume is created: the run-time role boka_app, which owns
# nothing (boka's migrations, run as boka_owner, grant it what it needs; docs/postgresql.md).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE boka_app LOGIN PASSWORD '${POSTGRES_APP_PASSWORD}';
GRANT CONNECT ON DATABASE ${POSTGRES_DB} TO boka_app;
SQL
