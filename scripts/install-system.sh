#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing.
# Usage: scripts/install-system.sh [base|services]
#   base      GDAL, GEOS, PROJ, SpatiaLite, the Python headers and venv, Mapnik  (make run)
#   services  + PostgreSQL 15 with PostGIS 3, Redis, chromium, gettext    (make test)
# Idempotent: a second run finds everything present and returns at once.
set -euo pipefail
want=(libgdal-dev libgeos-dev libproj-dev proj-bin proj-data libsqlite3-mod-spatialite pkg-config
      python3-venv python3-dev build-essential)
# The base map (manage.py build_basemap): Mapnik for Debian's python3 renders the tiles,
# WenQuanYi Micro Hei (4.5 MB) draws the Chinese street names; Noto Sans CJK is used instead
# when installed (fonts-noto-cjk, 56 MB: not worth a fresh machine's first run).
want+=(python3-mapnik fonts-wqy-microhei)
# mobileapp (Kivy): its wheel bundles SDL2 but loads libmtdev at import (a traceback without it).
want+=(libmtdev1)
if [ "${1:-base}" = services ]; then
  want+=(postgresql-15 postgresql-15-postgis-3 redis-server)
  # Browser tests: Debian's chromium (Playwright downloads no browser here; the base install's
  # CJK font shows Chinese in the screenshots), and gettext to update the translation catalogs.
  want+=(chromium gettext)
  # Trying the handset (`make app`) on a headless machine: Xvfb, xdotool to tap, xwd to grab.
  want+=(xvfb x11-apps xdotool)
  # bench/intake.py: wrk, a load generator in C, so it takes little of the 2 cores it shares.
  want+=(wrk)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-system: apt-get install ${missing[*]}"
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps gdal-bin out: its numpy headers would shadow the venv's.
# proj-bin puts `proj` on PATH, which is how a source-built pyproj finds /usr/share/proj.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
