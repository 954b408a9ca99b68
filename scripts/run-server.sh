#!/usr/bin/env bash
# Builds and starts boka-server on the embedded SQLite default with a demo tenant, and prints
# how to log in. Ctrl-C stops it (requests in progress finish first).
#   scripts/run-server.sh              http://127.0.0.1:3000, database boka-server.db
# Override with the server's own variables (docs/http.md), e.g. PORT=8080 scripts/run-server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake --preset release >/dev/null
cmake --build --preset release --target boka-server -j"$(nproc)" >/dev/null
export DATABASE_URL="${DATABASE_URL:-sqlite:boka-server.db}"
export PORT="${PORT:-3000}"
export BOKA_DEMO="${BOKA_DEMO:-1}"
# A key for TOTP secrets, kept beside the demo database so MFA enrolments survive restarts.
if [ -z "${ENCRYPTION_KEY:-}" ]; then
  if [ ! -f .boka-server.key ]; then
    umask 077
    head -c 32 /dev/urandom | base64 > .boka-server.key
  fi
  ENCRYPTION_KEY="$(cat .boka-server.key)"
  export ENCRYPTION_KEY
fi
exec build/release/examples/server/boka-server
