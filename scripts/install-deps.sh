#!/usr/bin/env bash
# Installs the Debian packages boka needs to build and test. Idempotent: packages that are
# already installed are skipped, and apt is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git lld clang-14 libclang-rt-14-dev
  libsoci-dev libsqlite3-dev libpq-dev libboost-dev libboost-date-time-dev
  libssl-dev libargon2-dev libcurl4-openssl-dev nlohmann-json3-dev catch2 libbenchmark-dev
  libcpp-httplib-dev python3-aiosmtpd
  libhowardhinnant-date-dev tzdata sqlite3 gnuplot-nox oathtool prometheus
  nginx wrk
  postgresql-15 postgresql-client-15
  pybind11-dev python3-dev python3-venv python3-pytest python3-yaml python3-jsonschema openssl
  python3-icalendar python3-dateutil python3-tz libical-dev
  nodejs
  chromium chromium-driver python3-selenium fonts-dejavu-core
  redis-server libhiredis-dev docker-compose systemd
)
# The OpenAPI validator comes from npm. Debian's nodejs ships without it (the npm package);
# a nodejs from NodeSource brings its own, which Debian's npm would conflict with.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
