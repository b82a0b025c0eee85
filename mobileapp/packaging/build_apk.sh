#!/usr/bin/env bash
# Build the handset's debug APK: run from anywhere; works in mobileapp/.
#   1. the CJK font subset (packaging/cjk_font.py; needs fonts-noto-cjk and fontTools);
#   2. python-for-android 2026.5.9 from PyPI into .p4a/ (buildozer.spec p4a.source_dir);
#   3. buildozer android debug (downloads the Android SDK and NDK 28c on the first run).
# Then: adb install -r bin/dcmhandset-*-debug.apk
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
P4A=2026.5.9
test -f ui/fonts/NotoSansCJKsc-Regular-subset.otf || "$PY" packaging/cjk_font.py "$@"
if [ ! -d ".p4a/python_for_android-$P4A" ]; then
  mkdir -p .p4a
  "$PY" -m pip download --no-deps --no-binary :all: -d .p4a "python-for-android==$P4A"
  tar -xzf ".p4a/python_for_android-$P4A.tar.gz" -C .p4a
fi
buildozer android debug
