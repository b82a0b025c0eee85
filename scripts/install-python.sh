#!/usr/bin/env bash
# Make .venv from Debian's /usr/bin/python3 (its sqlite3 can load SpatiaLite, which the pyenv
# Pythons' cannot: docs/development.md, platform notes)
# and install the pinned requirements. Skips all work when requirements.txt and this script
# have not changed since the last successful install (a stamp file holds their hash).
#
# Three packages are built from source against the system libraries instead of taken as wheels:
#   GDAL     must equal `gdal-config --version`, built without isolation against the venv's numpy
#            (or gdal_array is missing);
#   pyproj   its wheel bundles its own libproj and libsqlite3: with the system libproj loaded too
#            (GDAL, SpatiaLite) the process aborts at exit ("free(): invalid pointer");
#   shapely  likewise bundles its own GEOS, next to the system GEOS that GeoDjango loads.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
stamp="$VENV/.requirements.sha256"
sum=$(cat requirements.txt "$0" | sha256sum | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  exit 0
fi
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv "$VENV"
pip="$VENV/bin/pip --disable-pip-version-check -q"
pin() { grep -E "^$1==" requirements.txt | cut -d' ' -f1; }
$pip install -U pip setuptools wheel
$pip install "$(pin numpy)"
grep -vE '^(GDAL|pyproj|shapely)==' requirements.txt > "$VENV/.requirements-wheels.txt"
$pip install -r "$VENV/.requirements-wheels.txt"

gdal_version=$(gdal-config --version)
grep -q "^GDAL==$gdal_version" requirements.txt || {
  echo "install-python: requirements.txt pins a GDAL other than the system's $gdal_version" >&2; exit 1; }
$VENV/bin/python - <<'PY' 2>/dev/null || $pip install --no-cache-dir --no-build-isolation "GDAL==$gdal_version"
from osgeo import gdal, gdal_array  # noqa: F401
PY

proj_version=$(pkg-config --modversion proj)
$VENV/bin/python -c "import pyproj, sys; sys.exit(pyproj.proj_version_str != '$proj_version')" 2>/dev/null || {
  # pyproj 3.6's Cython sources need Cython < 3.1 ("expected bytes, str found" otherwise).
  $pip install "cython>=3.0,<3.1"
  PROJ_DIR=/usr $pip install --no-cache-dir --force-reinstall --no-deps --no-build-isolation \
    --no-binary pyproj "$(pin pyproj)"
}
geos_version=$(geos-config --version)
$VENV/bin/python -c "import shapely, sys; sys.exit(shapely.geos_version_string != '$geos_version')" 2>/dev/null || \
  $pip install --no-cache-dir --force-reinstall --no-deps --no-binary shapely "$(pin shapely)"

$VENV/bin/python -c "import pyproj, shapely; from osgeo import gdal; print('install-python: GDAL', gdal.__version__, 'PROJ', pyproj.proj_version_str, 'GEOS', shapely.geos_version_string)"
echo "$sum" > "$stamp"
