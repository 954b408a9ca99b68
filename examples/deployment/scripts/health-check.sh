#!/usr/bin/env bash
# The operations guide's health check: asks boka-server for /api/health.
#   health-check.sh              one line: ok | degraded | failing
#   health-check.sh --detailed   every check with its detail (JSON, from /api/health?detailed)
# Exit: 0 ok, 1 degraded, 2 failing or unreachable. BOKA_URL (default http://127.0.0.1:3000).
set -uo pipefail
url="${BOKA_URL:-http://127.0.0.1:3000}"
detailed=0
for arg in "$@"; do
  case "$arg" in
    --detailed) detailed=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "health-check.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
path=/api/health
[ "$detailed" = 1 ] && path="/api/health?detailed"
body=$(curl -sS --max-time 10 "$url$path") || { echo "failing: $url unreachable"; exit 2; }
status=$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("status","failing"))' 2>/dev/null || echo failing)
if [ "$detailed" = 1 ]; then
  printf '%s' "$body" | python3 -c '
import json, sys
report = json.load(sys.stdin)
print("status:", report["status"])
for c in report.get("checks", []):
    print("  %-9s %-20s %s" % (c["status"], c["name"], c["detail"]))'
else
  echo "$status"
fi
case "$status" in
  ok) exit 0 ;;
  degraded) exit 1 ;;
  *) exit 2 ;;
esac
