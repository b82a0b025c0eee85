#!/usr/bin/env bash
# Make .venv from Debian's /usr/bin/python3 (its sqlite3 can load SpatiaLite; STACK.md trap 1)
# and install the pinned requirements. Skips all work when requirements.txt has not changed
# since the last successful install (a stamp file holds its hash).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
stamp="$VENV/.requirements.sha256"
sum=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv "$VENV"
pip="$VENV/bin/pip --disable-pip-version-check -q"
$pip install -U pip setuptools wheel
# numpy first, then GDAL's bindings built against it and the system libgdal, without build
# isolation, or gdal_array is missing (STACK.md trap 2).
$pip install "$(grep -E '^numpy==' requirements.txt | cut -d' ' -f1)"
gdal_version=$(gdal-config --version)
grep -q "^GDAL==$gdal_version" requirements.txt || {
  echo "install-python: requirements.txt pins a GDAL other than the system's $gdal_version" >&2; exit 1; }
grep -v '^GDAL==' requirements.txt > "$VENV/.requirements-nogdal.txt"
$pip install -r "$VENV/.requirements-nogdal.txt"
$VENV/bin/python -c 'import osgeo' 2>/dev/null || $pip install --no-build-isolation "GDAL==$gdal_version"
echo "$sum" > "$stamp"
