#!/usr/bin/env bash
# Builds boka's libFuzzer targets (tests/fuzz, the `fuzz` preset: clang 14, ASan + UBSan)
# and runs each for a given time, two at a time (one per core), starting from the committed
# corpus and its dictionary. Prints a table of executions per target; fails if any target
# found a crash, a leak, a sanitizer report or a broken property, and names the input,
# saved under build/fuzz/findings/.
#
#   scripts/fuzz.sh [--time SECONDS] [--runs N] [--jobs N] [--merge] [--build-only] [TARGET...]
#
#   --time SECONDS  how long each target runs (default 60, what CI uses; a long run is,
#                   e.g., --time 3600)
#   --runs N        a target also stops after N executions (the long-run record asks for
#                   10000000 each; with --jobs above the cores, the fast targets finish
#                   first and leave their cores to the slow ones)
#   --jobs N        targets run at once (default: the number of cores)
#   --build-only    install and build, run nothing (.ci/run builds in the background)
#   --merge         afterwards, add the inputs that reached new code to the committed corpus
#                   (tests/fuzz/corpus/<target>), minimized by libFuzzer's -merge=1
#   TARGET...       some targets only (documents, http_request, ...); default: all
#
# New inputs go to build/fuzz/corpus/<target>, never straight into the repository. A finding
# is fixed, then its input is kept as tests/fuzz/corpus/<target>/regress-<what>, which the
# corpus replay tests (ctest -L fuzz) run in every build. tests/fuzz/README.md has the record
# of the last long run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
runs=-1
jobs=$(nproc)
merge=0
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n '/^set(boka_fuzz_targets/,/)/p' tests/fuzz/CMakeLists.txt |
                         grep -v 'set(' | tr -d ' )' | grep -v '^$')
fi

scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
if [ "$build_only" = 1 ]; then
  echo "fuzz.sh: built"
  exit 0
fi

out=build/fuzz/runs/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" build/fuzz/findings
# quarantine_size_mb=64 (ASan's default is 256): a freed block stays poisoned until 64 MB
# more have been freed, far more than one input of any target allocates, and the smaller
# quarantine keeps the allocator on warm pages: conflict_index ran 2x faster and
# http_request 1.25x (page faults on fresh quarantine pages dominated their profiles).
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=64"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_one() {
  local t=$1 seconds=$2 out=$3 runs=$4
  mkdir -p "build/fuzz/corpus/$t"
  # The targets that keep an engine across inputs (their setup costs milliseconds) grow the
  # heap on most inputs, and libFuzzer answers an input that frees less than it allocates
  # with a full LeakSanitizer scan of that heap: they ran 4x slower. The same code paths
  # run under LeakSanitizer in the ASan suite (scripts/test.sh --asan). engine_diff's
  # programs cover so much code that the entropic
  # schedule's bookkeeping per input cost more than the program; the plain one doubles it.
  local extra=()
  case "$t" in
    http_request|schedule_availability|c_abi) extra=(-detect_leaks=0) ;;
    engine_diff) extra=(-detect_leaks=0 -entropic=0) ;;
  esac
  # -rss_limit_mb: a target that needs gigabytes for one input is a finding too.
  # -timeout: one input taking 25 s is a hang.
  "build/fuzz/tests/fuzz/boka_fuzz_$t" "${extra[@]}" -max_total_time="$seconds" -runs="$runs" \
    -print_final_stats=1 \
    $( [ -f "tests/fuzz/dict/$t.dict" ] && echo "-dict=tests/fuzz/dict/$t.dict" ) -rss_limit_mb=3072 -timeout=25 -max_len=8192 \
    -artifact_prefix="build/fuzz/findings/$t-" \
    "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
  echo $? >"$out/$t.rc"
}
export -f run_one
# The two differential targets read binary programs: no words to suggest, no dictionary.
for t in "${targets[@]}"; do
  [ -x "build/fuzz/tests/fuzz/boka_fuzz_$t" ] || { echo "fuzz.sh: no target named $t" >&2; exit 2; }
done
echo "fuzz.sh: ${#targets[@]} targets, $seconds s each, $jobs at a time; logs in $out"
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$out" "$runs"

failed=0
printf '%-24s %14s %10s %8s  %s\n' target executions "exec/s" corpus result
for t in "${targets[@]}"; do
  log="$out/$t.log"
  execs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
  rate=$(grep -a -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
  corpus=$(ls "build/fuzz/corpus/$t" 2>/dev/null | wc -l)
  rc=$(cat "$out/$t.rc")
  result=ok
  if [ "$rc" != 0 ]; then
    result="FAILED (exit $rc): $(grep -a -m1 -o 'Test unit written to .*' "$log" || echo "see $log")"
    failed=1
  fi
  printf '%-24s %14s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
if [ "$failed" = 1 ]; then
  echo "fuzz.sh: a target failed; its log (in $out) has the report, the input is under build/fuzz/findings/" >&2
  for t in "${targets[@]}"; do
    if [ "$(cat "$out/$t.rc")" != 0 ]; then
      echo "---- $t" >&2
      grep -a -m1 -B2 -A25 -E 'ERROR: |FUZZ_CHECK|runtime error|deadly signal' "$out/$t.log" >&2 || tail -40 "$out/$t.log" >&2
    fi
  done
  exit 1
fi

if [ "$merge" = 1 ]; then
  for t in "${targets[@]}"; do
    before=$(ls "tests/fuzz/corpus/$t" | wc -l)
    "build/fuzz/tests/fuzz/boka_fuzz_$t" -merge=1 -max_len=8192 -timeout=25 \
      "tests/fuzz/corpus/$t" "build/fuzz/corpus/$t" >"$out/$t.merge.log" 2>&1
    echo "fuzz.sh: $t: corpus $before -> $(ls "tests/fuzz/corpus/$t" | wc -l) inputs"
  done
fi
echo "fuzz.sh: all targets ran without a finding"
