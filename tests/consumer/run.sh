#!/usr/bin/env bash
# Checks that boka can be consumed the three supported ways:
#   1. installed, through find_package(boka CONFIG) and boka::boka
#   2. installed, through pkg-config (boka is a static library: pkg-config --static)
#   3. as a subproject, through add_subdirectory()
# that the umbrella header leaves the store interface (boka/storage_spi.hpp) out, and that a
# store defined outside boka runs the installed conformance suite (boka::conformance).
#
# Usage: tests/consumer/run.sh SOURCE_DIR WORK_DIR
#   SOURCE_DIR  boka's source tree
#   WORK_DIR    scratch directory; gets build/ (boka), prefix/ (the install) and one build
#               directory per consumer. prefix/ and the consumer builds are recreated on every
#               run; build/ is reused so a rerun is incremental.
# Environment: JOBS (default 2) parallel build jobs; CMAKE_BUILD_TYPE (default Release);
#   BOKA_BUILD_DIR: an existing build of SOURCE_DIR to install from (scripts/test.sh passes
#   build/release) instead of configuring and building one under WORK_DIR;
#   BOKA_SUBPROJECT_BINARY_DIR: where the add_subdirectory consumer builds boka (default
#   inside its own build directory). scripts/test.sh puts it beside build/release, at the same
#   depth below SOURCE_DIR, so that with CCACHE_BASEDIR=SOURCE_DIR its compilations are the
#   release build's and come from ccache.
# Exits nonzero on the first failure.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SOURCE_DIR WORK_DIR" >&2
  exit 2
fi
SOURCE_DIR=$(cd "$1" && pwd)
mkdir -p "$2"
WORK_DIR=$(cd "$2" && pwd)
JOBS=${JOBS:-2}
BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release}
CONSUMER_DIR="$SOURCE_DIR/tests/consumer"

BUILD="$WORK_DIR/build"
PREFIX="$WORK_DIR/prefix"

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

step() { printf '\n=== consumer: %s\n' "$*"; }
die() { printf 'consumer: FAILED: %s\n' "$*" >&2; exit 1; }

step "configure, build and install boka ($BUILD_TYPE) into $PREFIX"
rm -rf "$PREFIX" "$WORK_DIR/find_package" "$WORK_DIR/pkg-config" "$WORK_DIR/add_subdirectory" \
  "$WORK_DIR/conformance"
if [ -n "${BOKA_BUILD_DIR:-}" ]; then
  # The library is the one the test suite just tested; only the install is new.
  cmake --install "$BOKA_BUILD_DIR" --prefix "$PREFIX"
else
  cmake -S "$SOURCE_DIR" -B "$BUILD" "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" \
    -DBOKA_BUILD_TESTS=OFF -DBOKA_BUILD_BENCHMARKS=OFF -DBOKA_BUILD_EXAMPLES=OFF \
    -DBOKA_UNITY_BUILD=ON
  cmake --build "$BUILD" -j "$JOBS"
  cmake --install "$BUILD"
fi

step "check the install tree"
config=$(find "$PREFIX" -path '*/cmake/boka/bokaConfig.cmake' -print -quit)
[ -n "$config" ] || die "no bokaConfig.cmake under $PREFIX"
pc=$(find "$PREFIX" -name boka.pc -print -quit)
[ -n "$pc" ] || die "no boka.pc under $PREFIX"
for header in boka.hpp storage_spi.hpp conformance.hpp; do
  [ -f "$PREFIX/include/boka/$header" ] || die "no include/boka/$header under $PREFIX"
done
# An installed package must not point back into the source or build tree. (WORK_DIR may lie
# inside SOURCE_DIR, so paths into the prefix itself are dropped before comparing.)
for f in "$(dirname "$config")"/*.cmake "$pc"; do
  content=$(<"$f")
  content=${content//"$PREFIX"/}
  case "$content" in
    *"$SOURCE_DIR"* | *"$BUILD"*) die "$f references the source or build tree" ;;
  esac
done
echo "ok: $config"
echo "ok: $pc"

step "find_package(boka CONFIG) consumer"
cmake -S "$CONSUMER_DIR/find_package" -B "$WORK_DIR/find_package" "${launcher[@]}" \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_PREFIX_PATH="$PREFIX"
cmake --build "$WORK_DIR/find_package" -j "$JOBS"
"$WORK_DIR/find_package/boka_consumer" || die "find_package consumer exited with $?"

step "pkg-config consumer"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH="$(dirname "$pc")"
pkg-config --exists --print-errors boka || die "pkg-config cannot resolve boka"
pkg-config --validate boka 2>/dev/null || true  # pkgconf only; informative
echo "pkg-config --cflags --libs boka:          $(pkg-config --cflags --libs boka)"
echo "pkg-config --static --cflags --libs boka: $(pkg-config --static --cflags --libs boka)"
mkdir -p "$WORK_DIR/pkg-config"
# shellcheck disable=SC2046  # word splitting of the flags is intended
g++ $(pkg-config --cflags boka) "$CONSUMER_DIR/main.cpp" \
  -o "$WORK_DIR/pkg-config/boka_consumer" $(pkg-config --static --libs boka) \
  || die "compiling or linking main.cpp with pkg-config --static flags"
"$WORK_DIR/pkg-config/boka_consumer" || die "pkg-config consumer exited with $?"

step "the umbrella header leaves the store interface out"
# shellcheck disable=SC2046
if printf '#include <boka/boka.hpp>\nboka::StorageTransaction* t = nullptr;\n' |
    g++ -std=c++20 -fsyntax-only $(pkg-config --cflags boka) -x c++ - 2>/dev/null; then
  die "boka/boka.hpp declares StorageTransaction: the store interface leaked into the user API"
fi
printf '#include <boka/storage_spi.hpp>\nboka::StorageTransaction* t = nullptr;\n' |
  g++ -std=c++20 -fsyntax-only $(pkg-config --cflags boka) -x c++ - ||
  die "boka/storage_spi.hpp does not declare StorageTransaction"
echo "ok: boka/boka.hpp without the SPI, boka/storage_spi.hpp with it"

step "add_subdirectory(boka) consumer"
subproject=()
if [ -n "${BOKA_SUBPROJECT_BINARY_DIR:-}" ]; then
  subproject=(-DBOKA_BINARY_DIR="$BOKA_SUBPROJECT_BINARY_DIR")
fi
# BOKA_UNITY_BUILD as in the presets, so the release build's compilations come from ccache.
cmake -S "$CONSUMER_DIR/add_subdirectory" -B "$WORK_DIR/add_subdirectory" "${launcher[@]}" \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DBOKA_SOURCE_DIR="$SOURCE_DIR" -DBOKA_UNITY_BUILD=ON \
  "${subproject[@]}"
# The consumer and what it links, not every target boka defines.
cmake --build "$WORK_DIR/add_subdirectory" -j "$JOBS" --target boka_consumer
"$WORK_DIR/add_subdirectory/boka_consumer" || die "add_subdirectory consumer exited with $?"

step "a store of one's own against the installed conformance suite (boka::conformance)"
cmake -S "$CONSUMER_DIR/conformance" -B "$WORK_DIR/conformance" "${launcher[@]}" \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_PREFIX_PATH="$PREFIX"
cmake --build "$WORK_DIR/conformance" -j "$JOBS"
cases=$("$WORK_DIR/conformance/store_conformance" --list-test-names-only | grep -c '^conformance:' || true)
[ "$cases" -gt 0 ] || die "the consumer's executable holds no conformance test case"
"$WORK_DIR/conformance/store_conformance" || die "the conformance suite failed on the consumer's store"
echo "ok: $cases conformance test cases passed on the consumer's store"

step "all consumers passed"
