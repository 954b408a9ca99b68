#!/usr/bin/env bash
# Load run of boka-server with wrk (a benchmark, not a test): availability and reserve
# through HTTP on loopback, next to nginx serving a static file on the same machine, so the
# figures read as a ratio to what the machine's HTTP stack can do at all.
#   bench/http_load.sh [seconds]        (default 10 s per run; build/release must exist)
# Prints the runs and issue 20's targets, each a ratio to nginx in the same run (absolute
# rates on a shared VM move 3x from day to day). The server runs on SQLite at
# durability=full (the default) with a demo tenant; requests carry a session token.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${CONNECTIONS:-32}"
server=build/release/examples/server/boka-server
[ -x "$server" ] || { echo "http_load.sh: build the release preset first (cmake --build --preset release)" >&2; exit 2; }
work=$(mktemp -d /tmp/boka-http-load.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.3; rm -rf "$work"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 10000)); nginx_port=$((port + 1))

DATABASE_URL="sqlite:$work/load.db?pool_size=32" PORT=$port BOKA_DEMO=1 BOKA_ACCESS_LOG=/dev/null \
  BOKA_RATE_LIMIT_PER_CLIENT=1000000 BOKA_RATE_BURST_PER_CLIENT=1000000 \
  BOKA_RATE_LIMIT_PER_KEY=1000000 BOKA_RATE_BURST_PER_KEY=1000000 BOKA_THREADS=64 BOKA_MAX_INFLIGHT=63 \
  "$server" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
login=$(sed -n "s/.*-d '\(.*\)'/\1/p" "$work/server.log" | head -1)
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/auth/login" -H "Content-Type: application/json" -d "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
tenant=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"])')

# nginx with a static file of the size of a typical availability answer.
head -c 600 /dev/zero | tr '\0' 'x' > "$work/static.json"
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  server { listen 127.0.0.1:$nginx_port; root $work; location / { } }
}
NGINX
nginx -c "$work/nginx.conf"

cat > "$work/availability.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"requests":[{"resource":1}],"from":"2030-01-01T00:00:00Z","to":"2030-01-02T00:00:00Z","duration":3600,"step":900}'
LUA
cat > "$work/reserve.lua" <<LUA
-- Every request a different hour, so most succeed; each thread its own range.
local counter = 0
local thread_id = 0
local next_id = 0
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
function init(args) thread_id = id end
function request()
  counter = counter + 1
  local start = 1893456000 + (thread_id * 10000000 + counter) * 3600
  return wrk.format("POST", nil, {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
    '{"allocations":[{"resource":1}],"start":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ", start) ..
    '","end":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ", start + 3600) .. '"}')
end
LUA

run() {  # name, url, script: prints "name requests/s p50 p99"
  local out
  if [ -n "${3:-}" ]; then
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$3" "$2")
  else
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$2")
  fi
  local rps p50 p99 errors
  rps=$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(printf '%s\n' "$out" | awk '$1=="50%" {print $2}')
  p99=$(printf '%s\n' "$out" | awk '$1=="99%" {print $2}')
  errors=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $5}')
  echo "$1|$rps|$p50|$p99|${errors:-0}"
}
static=$(run "nginx static file (600 B)" "http://127.0.0.1:$nginx_port/static.json")
health=$(run "boka GET /api/health" "http://127.0.0.1:$port/api/health")
avail=$(run "boka availability (1 day, 15-min step)" "http://127.0.0.1:$port/api/tenants/$tenant/availability" "$work/availability.lua")
reserve=$(run "boka reserve (SQLite durability=full)" "http://127.0.0.1:$port/api/tenants/$tenant/reservations" "$work/reserve.lua")
static_rps=$(printf '%s' "$static" | cut -d'|' -f2)
echo
echo "wrk -t2 -c$connections -d${seconds}s on $(nproc) cores, loopback, $(date -u +%Y-%m-%d)"
echo
echo "| run | requests/s | p50 | p99 | non-2xx | vs nginx static |"
echo "|---|---:|---:|---:|---:|---:|"
for line in "$static" "$health" "$avail" "$reserve"; do
  IFS='|' read -r name rps p50 p99 errors <<<"$line"
  ratio=$(python3 -c "print(f'{float(\"$rps\") / float(\"$static_rps\"):.2f}x')")
  echo "| $name | $rps | $p50 | $p99 | $errors | $ratio |"
done
# Issue 20's targets: throughput as a ratio to nginx static, tail latency as p99 / p50.
python3 - "$static" "$health" "$avail" "$reserve" <<'PY'
import sys
def us(text):
    for unit, scale in (("us", 1), ("ms", 1000), ("s", 1000000)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)
rows = [line.split("|") for line in sys.argv[1:]]
static = float(rows[0][1])
def row(i):
    name, rps, p50, p99, errors = rows[i]
    return float(rps) / static, us(p99) / us(p50), int(errors or 0)
print("\n| target | measured | met |\n|---|---:|---|")
for label, i, want, tail in (("GET /api/health >= 0.5x nginx static", 1, 0.5, None),
                             ("availability >= 0.25x nginx static, p99 <= 4x p50", 2, 0.25, 4.0),
                             ("POST reserve (durability=full) >= 0.05x nginx static, p99 <= 4x p50", 3, 0.05, 4.0)):
    ratio, spread, errors = row(i)
    met = ratio >= want and (tail is None or spread <= tail) and errors == 0
    shown = f"{ratio:.2f}x" + ("" if tail is None else f", p99 {spread:.1f}x p50")
    print(f"| {label} | {shown} | {'yes' if met else 'no'} |")
PY
