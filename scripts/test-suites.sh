#!/usr/bin/env bash
# make test's suites, in three lanes that run side by side (called by `make test` once the
# services are up and DATABASE_URL/REDIS_URL are set):
#
#   lane 1  the whole suite on PostgreSQL/PostGIS + Redis, but the end-to-end tests (tests/)
#   lane 2  the end-to-end tests: real servers on both databases (tests/e2e)
#   lane 3  the server tests again on the embedded default (SpatiaLite, in-memory layer), then
#           the browser tests, then the handset's screens under Kivy (each in its own process:
#           Playwright's sync API, pytest-asyncio and Kivy's event loop do not share one)
#
# Why lanes: much of each lane's time is spent waiting on another process (PostgreSQL's
# fsyncs, a server under test, chromium, a retry's back-off), so side by side they keep both
# cores busy where one after the other left one idle. Each lane has its own test database and
# channel prefix. Lane 1 prints as it runs; lanes 2 and 3 write var/test-logs/ and are printed
# when they end. Every suite runs even when another fails; the exit status is 1 when any failed.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOGS=var/test-logs
mkdir -p "$LOGS"
export DCM_EMBEDDED=1
TEST_DB=${DCM_TEST_DB:-test_dcm}
PREFIX=${CHANNEL_PREFIX:-dcm}
ALONE=(-p no:asyncio -p no:django -W ignore::pytest.PytestConfigWarning)

e2e_lane() {
  DCM_TEST_DB="${TEST_DB}_e2e" CHANNEL_PREFIX="${PREFIX}e2e" \
    "$PY" -m pytest -q -p no:cacheprovider tests/e2e
}

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

trap 'kill 0' INT TERM  # an interrupted make stops every lane
e2e_lane > "$LOGS/e2e.log" 2>&1 &
lane2=$!
embedded_lane > "$LOGS/embedded.log" 2>&1 &
lane3=$!

echo "== the whole suite on PostgreSQL/PostGIS + Redis (the end-to-end tests in their own lane)"
rc1=0
DCM_TEST_DB="$TEST_DB" CHANNEL_PREFIX="$PREFIX" \
  "$PY" -m pytest -q -p no:cacheprovider --ignore=tests/e2e tests || rc1=1

echo "== (waiting for the other lanes)"
rc2=0
wait "$lane2" || rc2=1
echo "== end-to-end tests (real servers, both databases)"
cat "$LOGS/e2e.log"
rc3=0
wait "$lane3" || rc3=1
cat "$LOGS/embedded.log"

if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ] || [ "$rc3" -ne 0 ]; then
  echo "make test: FAILED (PostgreSQL lane rc=$rc1, end-to-end lane rc=$rc2, embedded lane rc=$rc3)"
  exit 1
fi
echo "make test: every suite passed"
