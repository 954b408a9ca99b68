#!/usr/bin/env bash
# Checks the exports of libboka_c against boka.h: the library defines exactly the boka_
# functions the header declares (BOKA_API ... boka_name(), and nothing else (no C++ symbol
# of the static libboka or of a dependency leaks out).
#
# Usage: tests/c/check_exports.sh LIBRARY HEADER
set -euo pipefail
lib=$1
header=$2

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwDdBbRrVvi]$/ {print $3}' | sort -u)
declared=$(tr '\n' ' ' <"$header" | grep -oE 'BOKA_API [^;(]*\bboka_[a-z0-9_]+\(' |
           grep -oE 'boka_[a-z0-9_]+\($' | tr -d '(' | sort -u)

status=0
strays=$(grep -vE '^boka_' <<<"$exported" || true)
if [ -n "$strays" ]; then
  echo "exported without the boka_ prefix:"; echo "$strays" | sed 's/^/  /'; status=1
fi
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
if [ -n "$missing" ]; then
  echo "declared in $header but not exported:"; echo "$missing" | sed 's/^/  /'; status=1
fi
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
if [ -n "$extra" ]; then
  echo "exported but not declared in $header:"; echo "$extra" | sed 's/^/  /'; status=1
fi
if [ "$status" -eq 0 ]; then
  echo "ok: $(wc -l <<<"$exported") functions, all declared in boka.h, nothing else exported"
fi
exit "$status"
