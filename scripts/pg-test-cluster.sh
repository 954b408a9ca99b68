#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for boka's tests.
#
#   scripts/pg-test-cluster.sh start DIR   create and start a cluster on a free loopback
#                                          port, with roles and a database, and write
#                                          DIR/uris.env (the URIs tests read). The cluster
#                                          lives in a fresh /tmp folder (the postgres user
#                                          must reach it; DIR may be under a private home)
#   scripts/pg-test-cluster.sh stop DIR    stop it and remove DIR
#
# Roles: postgres (superuser, used only to create test databases), boka_owner (owns the
# schema and runs migrations) and boka_app (what boka connects as: no ownership, no DDL).
# When BOKA_TEST_POSTGRES_ADMIN_URI is set, a developer's own server is used instead and
# start/stop do nothing. BOKA_PG_DURABLE=1 keeps fsync on (for benchmarks that compare
# durability); tests run with fsync off.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
if [ -n "${BOKA_TEST_POSTGRES_ADMIN_URI:-}" ]; then
  echo "pg-test-cluster: using BOKA_TEST_POSTGRES_ADMIN_URI; nothing to $cmd"
  exit 0
fi

bindir=/usr/lib/postgresql/15/bin
[ -x "$bindir/initdb" ] || { echo "pg-test-cluster: PostgreSQL 15 is not installed ($bindir)" >&2; exit 1; }

# initdb and the server refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  if [ -f "$dir/cluster_dir" ]; then "$0" stop "$dir"; fi
  rm -rf "$dir"
  mkdir -p "$dir"
  cluster=$(mktemp -d /tmp/boka-pg.XXXXXX)
  chmod 755 "$cluster"
  echo "$cluster" >"$dir/cluster_dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$cluster"; fi
  port=""
  for candidate in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
  done
  [ -n "$port" ] || { echo "pg-test-cluster: no free port" >&2; exit 1; }
  as_pg "$bindir/initdb" -D "$cluster/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --no-sync -E UTF8 --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 \
    || { cat "$cluster/initdb.log" >&2; exit 1; }
  # fsync=off: a test cluster need not survive a power cut; never do this in production.
  durability="-c fsync=off -c full_page_writes=off"
  if [ "${BOKA_PG_DURABLE:-0}" = 1 ]; then durability="-c fsync=on"; fi
  as_pg "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
    -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 $durability -c max_connections=200" \
    start >/dev/null || { cat "$cluster/server.log" >&2; exit 1; }
  psql_admin() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$cluster" -p "$port" -U postgres "$@"; }
  psql_admin -d postgres <<SQL
CREATE ROLE boka_owner LOGIN PASSWORD 'owner-secret' CREATEDB;
CREATE ROLE boka_app LOGIN PASSWORD 'app-secret';
ALTER ROLE postgres PASSWORD 'admin-secret';
CREATE DATABASE boka OWNER boka_owner;
SQL
  cat >"$dir/uris.env" <<ENV
BOKA_TEST_POSTGRES_ADMIN_URI=postgresql://postgres:admin-secret@127.0.0.1:$port/postgres
BOKA_TEST_POSTGRES_OWNER_URI=postgresql://boka_owner:owner-secret@127.0.0.1:$port/boka
BOKA_TEST_POSTGRES_APP_URI=postgresql://boka_app:app-secret@127.0.0.1:$port/boka
ENV
  chmod a+r "$dir/uris.env"
  echo "pg-test-cluster: PostgreSQL 15 on 127.0.0.1:$port ($cluster)"
  ;;
stop)
  cluster=$(cat "$dir/cluster_dir" 2>/dev/null || true)
  if [ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ]; then
    as_pg "$bindir/pg_ctl" -D "$cluster/data" -m fast -w -t 60 stop >/dev/null || {
      pid=$(head -1 "$cluster/data/postmaster.pid"); kill -9 "$pid" 2>/dev/null || true; }
  fi
  [ -n "$cluster" ] && rm -rf "$cluster"
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
