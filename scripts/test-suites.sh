#!/usr/bin/env bash
# make test's suites, in two lanes that run side by side (called by `make test` once the services
# are up and DATABASE_URL/REDIS_URL are set):
#
#   lane 1  the whole suite on PostgreSQL/PostGIS + Redis (tests/)
#   lane 2  the server tests again on the embedded default (SpatiaLite, in-memory layer), then
#           the browser tests, then the handset's screens under Kivy (each in its own process:
#           Playwright's sync API, pytest-asyncio and Kivy's event loop do not share one)
#
# Why two lanes: much of each lane's time is spent waiting on another process (PostgreSQL, a
# server under test, chromium, a retry's back-off), so the two together use both cores where one
# after the other left one idle. Lane 1 prints as it runs; lane 2 writes var/test-logs/ and is
# printed when it ends. Every suite runs even when another fails; the exit status is 1 when any
# failed.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOGS=var/test-logs
mkdir -p "$LOGS"
export DCM_EMBEDDED=1
ALONE=(-p no:asyncio -p no:django -W ignore::pytest.PytestConfigWarning)

embedded_lane() {
  local rc=0
  echo "== server tests on SpatiaLite"
  env -u DATABASE_URL -u REDIS_URL DCM_VAR=var/test-spatialite \
    "$PY" -m pytest -q -p no:cacheprovider tests/server || rc=1
  echo "== browser tests (chromium)"
  DCM_BROWSER=1 "$PY" -m pytest -q -p no:cacheprovider "${ALONE[@]}" tests/browser || rc=1
  echo "== handset screens (Kivy)"
  DCM_KIVY=1 "$PY" -m pytest -q -p no:cacheprovider "${ALONE[@]}" tests/mobileapp/ui || rc=1
  return $rc
}

trap 'kill 0' INT TERM  # an interrupted make stops both lanes
embedded_lane > "$LOGS/embedded.log" 2>&1 &
lane2=$!

echo "== the whole suite on PostgreSQL/PostGIS + Redis"
rc1=0
"$PY" -m pytest -q -p no:cacheprovider tests || rc1=1

echo "== (waiting for the embedded lane)"
rc2=0
wait "$lane2" || rc2=1
cat "$LOGS/embedded.log"

if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; then
  echo "make test: FAILED (PostgreSQL lane rc=$rc1, embedded lane rc=$rc2)"
  exit 1
fi
echo "make test: every suite passed"
