#!/usr/bin/env bash
# Install the consoles' front-end libraries (Leaflet, ECharts) exactly as package-lock.json pins
# them, and copy the few files the pages load into server/static/vendor/ (gitignored), each with
# its licence. Nothing is fetched at run time: the centres' networks are closed.
#
# Idempotent: skips npm when package-lock.json has not changed since the last copy (a stamp in
# server/static/vendor/ holds its hash). Needs node and npm (Debian: apt-get install nodejs npm).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=server/static/vendor
stamp="$DEST/.package-lock.sha256"
sum=$(cat package-lock.json "$0" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  exit 0
fi
command -v npm >/dev/null || {
  echo "install-frontend: npm missing (apt-get install nodejs npm)" >&2; exit 1; }
# --ignore-scripts: neither package needs an install script, and none should run here.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
rm -rf "$DEST"
mkdir -p "$DEST/leaflet/images" "$DEST/echarts"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$DEST/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$DEST/leaflet/images/"
cp node_modules/leaflet/LICENSE "$DEST/leaflet/LICENSE"
cp node_modules/echarts/dist/echarts.min.js "$DEST/echarts/"
cp node_modules/echarts/LICENSE "$DEST/echarts/LICENSE"
cp node_modules/echarts/NOTICE "$DEST/echarts/NOTICE"
for p in leaflet echarts; do
  node -e "console.log(require('./node_modules/$p/package.json').version)" > "$DEST/$p/VERSION"
done
echo "$sum" > "$stamp"
echo "install-frontend: leaflet $(cat $DEST/leaflet/VERSION), echarts $(cat $DEST/echarts/VERSION) -> $DEST"
