#!/usr/bin/env bash
# Checks that a C program builds and runs against an installed libboka_c, found through
# pkg-config: installs the c_api component of a build tree into a fresh prefix, compiles
# examples/c/main.c as C99 with `pkg-config --cflags --libs boka-c`, and runs it.
#
# Usage: tests/c/check_install.sh BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER
set -euo pipefail
build=$1 source=$2 work=$3 cc=$4
prefix="$work/prefix"
rm -rf "$prefix" && mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" --component c_api >/dev/null
pc=$(find "$prefix" -name boka-c.pc -print -quit)
[ -n "$pc" ] || { echo "no boka-c.pc under $prefix"; exit 1; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
echo "pkg-config --cflags --libs boka-c: $(pkg-config --cflags --libs boka-c)"
# shellcheck disable=SC2046  # word splitting of the flags is intended
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror $(pkg-config --cflags boka-c) \
  "$source/examples/c/main.c" -o "$work/example" $(pkg-config --libs boka-c)
rm -f "$work/example.db" "$work/example.db-wal" "$work/example.db-shm"
LD_LIBRARY_PATH="$(pkg-config --variable=libdir boka-c)" BOKA_EXAMPLE_DB="$work/example.db" \
  "$work/example"
