#!/usr/bin/env bash
# Runs a command with BOKA_FUZZ_POSTGRES_URI naming a new, empty database of the test
# cluster (scripts/pg-test-cluster.sh writes URIS_FILE; BOKA_TEST_POSTGRES_*_URI in the
# environment take precedence, as for every PostgreSQL test), owned by boka_owner, so the
# command may migrate it. The database is dropped afterwards.
#
#   tests/fuzz/with_postgres_database.sh URIS_FILE COMMAND [ARGS...]
set -euo pipefail
uris_file=$1
shift
if [ -z "${BOKA_TEST_POSTGRES_ADMIN_URI:-}" ]; then
  [ -f "$uris_file" ] || { echo "with_postgres_database: $uris_file is missing (is the cluster up?)" >&2; exit 1; }
  set -a
  # shellcheck disable=SC1090
  . "$uris_file"
  set +a
fi
db="boka_fuzz_$$"
# The URI with its database name replaced (postgresql://user:pw@host:port/NAME?query).
with_db() { sed -E "s#^(postgres(ql)?://[^/]*/)[^?]*#\1$2#" <<<"$1"; }
admin=$BOKA_TEST_POSTGRES_ADMIN_URI
psql "$admin" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db OWNER boka_owner" >/dev/null
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
BOKA_FUZZ_POSTGRES_URI="$(with_db "$BOKA_TEST_POSTGRES_OWNER_URI" "$db")" "$@"
