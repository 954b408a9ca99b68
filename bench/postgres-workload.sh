#!/usr/bin/env bash
# Replays the bench/WORKLOAD.md stream through boka on a throwaway PostgreSQL 15 (started and
# stopped here), once per process count given, each on a fresh database.
#
#   bench/postgres-workload.sh [--quick] [PROCESSES...]      default: --quick 1 2
# Needs a release build: cmake --preset release && cmake --build --preset release
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
counts=()
for arg in "$@"; do
  case "$arg" in
    --quick) mode=(--quick) ;;
    *) counts+=("$arg") ;;
  esac
done
[ ${#counts[@]} -gt 0 ] || { mode=(--quick); counts=(1 2); }
tool=build/release/bench/boka_workload
[ -x "$tool" ] || { echo "build it first: cmake --build --preset release --target boka_workload" >&2; exit 1; }

dir=$(mktemp -d)
trap 'scripts/pg-test-cluster.sh stop "$dir/pg" >/dev/null' EXIT
trap 'exit 130' INT TERM
scripts/pg-test-cluster.sh start "$dir/pg" >/dev/null
# Plain shell variables, not exported: pg-test-cluster.sh treats an exported
# BOKA_TEST_POSTGRES_ADMIN_URI as "an outside server, nothing to stop" and the trap
# above would leave this cluster running.
. "$dir/pg/uris.env"
base=${BOKA_TEST_POSTGRES_ADMIN_URI%/*}
for n in "${counts[@]}"; do
  db=boka_bench_$n
  psql -X -q -o /dev/null "$BOKA_TEST_POSTGRES_ADMIN_URI" -v ON_ERROR_STOP=1 2>/dev/null -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER boka_owner"
  owner=${BOKA_TEST_POSTGRES_OWNER_URI%/*}/$db
  app=${BOKA_TEST_POSTGRES_APP_URI%/*}/$db
  "$tool" --uri "$app" --migrate-uri "$owner?app_role=boka_app" "${mode[@]}" --processes "$n"
done
