#!/usr/bin/env bash
# The side-by-side comparison of bench/WORKLOAD.md: boka (conflict index, memory, SQLite,
# PostgreSQL) against std::map, SQLite check-then-insert and PostgreSQL EXCLUDE, in one run
# on this machine. Starts a throwaway PostgreSQL 15 (fsync on: durability is compared) and
# stops it, prints the table, writes bench/compare-<mode>.csv and a plot bench/compare-<mode>.png.
#
#   bench/compare.sh --quick      20,000 attempts, 1 round (about a minute; run in CI)
#   bench/compare.sh              200,000 attempts, median of 3 interleaved rounds
# Exit status 1 if any engine accepts a different count than the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
mode=full
for a in "$@"; do
  case "$a" in
    --quick) mode=quick; args+=(--quick --rounds 1) ;;
    *) args+=("$a") ;;
  esac
done
tool=build/release/bench/boka_compare
if [ ! -x "$tool" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target boka_compare
fi
dir=$(mktemp -d)
trap 'scripts/pg-test-cluster.sh stop "$dir/pg" >/dev/null; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
BOKA_PG_DURABLE=1 scripts/pg-test-cluster.sh start "$dir/pg" >/dev/null
# Plain shell variables, not exported: pg-test-cluster.sh treats an exported
# BOKA_TEST_POSTGRES_ADMIN_URI as "an outside server, nothing to stop" and the trap
# above would leave this cluster running.
. "$dir/pg/uris.env"
csv=bench/compare-$mode.csv
"$tool" "${args[@]}" --csv "$csv" \
  --postgres-admin "$BOKA_TEST_POSTGRES_ADMIN_URI" \
  --postgres-owner "$BOKA_TEST_POSTGRES_OWNER_URI" \
  --postgres-app "$BOKA_TEST_POSTGRES_APP_URI"
status=$?
if command -v gnuplot >/dev/null 2>&1; then
  png=bench/compare-$mode.png
  gnuplot <<GNUPLOT
set terminal pngcairo size 1100,620 noenhanced font ",10"
set output "$png"
set datafile separator ","
set title "bench/WORKLOAD.md ($mode mode): attempts per second, median (log scale)"
set logscale x
set xlabel "attempts/s"
set style fill solid 0.8
set yrange [-1:*] reverse
set ytics nomirror
unset key
set grid xtics
plot "$csv" using (\$3):0:(0):(\$3):(\$0-0.35):(\$0+0.35):(stringcolumn(2) eq "boka" ? 0x1f77b4 : 0xaaaaaa):ytic(1) every ::1 with boxxyerror lc rgb variable
GNUPLOT
  echo "plot: $png"
fi
exit $status
