#!/usr/bin/env bash
# Builds boka and runs the quickstart on the embedded default store (an SQLite file,
# ./boka-quickstart.db unless BOKA_QUICKSTART_DB says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target boka_quickstart
exec build/release/examples/boka_quickstart
