#!/usr/bin/env bash
# The fault-injection tests for longer than CI runs them (docs/architecture.md, "Faults"):
# the SQLite power-loss test for many more random crash points, and the tests whose faults
# depend on timing (PostgreSQL restarted and killed under load, the clock jumping under
# load, boka-server out of resources) repeated. The SQLite sweeps already fail every write
# point of every write path in each run, so one run of them is the whole sweep.
#
#   scripts/faults.sh [--rounds N] [--repeat K]
#
#   --rounds N   power-loss rounds (default 5000; CI runs 100)
#   --repeat K   runs of each timing-dependent test (default 10)
#   BOKA_FAULT_SEED=S picks the power-loss sequence (default: a new one each run, printed)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5000
repeat=10
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "faults.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake --preset release >/dev/null
cmake --build --preset release --target boka_fault_tests boka_postgres_fault_tests \
  boka_pg_fault_worker boka_unit_tests boka-server boka-admin

seed=${BOKA_FAULT_SEED:-$(( (RANDOM << 15) | RANDOM ))}
echo "faults.sh: SQLite sweeps and $rounds power-loss rounds (BOKA_FAULT_SEED=$seed)"
BOKA_FAULT_ROUNDS=$rounds BOKA_FAULT_SEED=$seed build/release/tests/fault/boka_fault_tests
for i in $(seq 1 "$repeat"); do
  echo "faults.sh: timing-dependent faults, run $i of $repeat"
  build/release/tests/boka_postgres_fault_tests
  build/release/tests/boka_unit_tests "clock faults*"
  ctest --test-dir build/release -R '^e2e_resource_exhaustion$' --output-on-failure
done
echo "faults.sh: every fault test passed"
