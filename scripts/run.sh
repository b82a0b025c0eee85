#!/usr/bin/env bash
# Serve the system: migrate, load the demo city once, collect static files, start the ASGI
# server (scripts/serve.py's default, chosen by measurement: docs/serving.md; SERVER=daphne or
# SERVER=granian picks another).
# Embedded default: SpatiaLite file in var/ and the in-memory channel layer, unless
# DATABASE_URL / REDIS_URL say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=server.settings
[ -n "${SECRET_KEY:-}" ] || export DCM_EMBEDDED=1
mkdir -p "${DCM_VAR:-var}"
$PY server/manage.py migrate --noinput -v0
$PY server/manage.py load_demo_city --if-empty
# The base map under the cells, rendered once from the map's own data (about half a minute;
# docs/map-import.md). Without Debian's python3-mapnik the maps show the cells alone.
$PY server/manage.py build_basemap --if-missing
$PY server/manage.py collectstatic --noinput -v0
cat <<MSG

  数字城管 is serving on http://127.0.0.1:${PORT}/
    supervision center  http://127.0.0.1:${PORT}/console/supervision/
    command center      http://127.0.0.1:${PORT}/console/command/
    department terminal http://127.0.0.1:${PORT}/console/department/
    leader dashboard    http://127.0.0.1:${PORT}/console/dashboard/   (rankings: /evaluation/)
    hotline             http://127.0.0.1:${PORT}/hotline/   public portal: /portal/
    Open311             http://127.0.0.1:${PORT}/open311/v2/discovery.json (api_key demo-open311-key)
    API docs            http://127.0.0.1:${PORT}/api/docs/   (schema: /api/schema/)
    admin               http://127.0.0.1:${PORT}/admin/
  demo accounts (password demo-dcm-2026): supervisor, acceptor, dutychief, dispatcher,
    calltaker, leader, and one per department: dept_<code> (see README)

MSG
# The timer worker (traffic lights). With the in-memory channel layer (no REDIS_URL) only the
# server process can push, so the timer runs inside it; with Redis it runs beside the server.
# It holds a lock, so a second `make run` on the same database leaves the first one in charge.
if [ -z "${REDIS_URL:-}" ]; then
  export DCM_TIMERS_IN_SERVER=1
else
  .venv/bin/python server/manage.py run_timers &
  timers=$!
  trap 'kill $timers 2>/dev/null' EXIT INT TERM
fi
# One worker, photos cleaned in the request (no cleaner process): the embedded default needs
# nothing else; scripts/serve.py --workers N is the production layout (docs/operations.md).
$PY scripts/serve.py ${SERVER:+--server "$SERVER"} --workers 1 --photo-workers 0 --bind 127.0.0.1 \
  --port "$PORT"
