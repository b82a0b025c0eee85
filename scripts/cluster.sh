#!/usr/bin/env bash
# The past-one-machine topology on this machine's loopback, from real engines (docs/scaling.md):
#
#   nginx :8800 ──▶ 3 app nodes :8801-8803 (scripts/serve.py + run_timers, a process group each)
#   PostgreSQL/PostGIS primary :5442 ──streaming──▶ hot standby :5443 (pg_basebackup -R)
#   Redis master :6390 ──▶ replica :6391, watched by 3 sentinels :26390-26392 (master "dcm")
#
# The nodes share nothing but PostgreSQL, Redis and the photo directory. They reach the
# primary through a libpq multi-host string (both servers, target_session_attrs=read-write:
# after a promotion they find the new primary), read the dashboards and rankings from the
# standby (DATABASE_REPLICA_URL), and reach Redis through the sentinels.
#
# Usage: scripts/cluster.sh start   install what is missing (apt-get), start everything,
#                                    migrate, load the demo city, print the addresses
#        scripts/cluster.sh stop    stop all of it (data kept in $STATE until `clean`)
#        scripts/cluster.sh status  what answers
#        scripts/cluster.sh env     the settings a node gets (to run manage.py against it)
#        scripts/cluster.sh clean   stop, then remove $STATE
#   Drills (by hand or by bench/cluster.py; `start` again brings back whatever is down):
#        scripts/cluster.sh kill-node PORT   SIGKILL one app node, all its processes
#        scripts/cluster.sh start-node PORT  start it again (no migrate, no demo city)
#        scripts/cluster.sh kill-redis       SIGKILL the Redis master; the sentinels promote
#        scripts/cluster.sh start-redis      restart a killed Redis, as a replica of the master
#        scripts/cluster.sh kill-pg          stop the PostgreSQL primary at once (-m immediate)
#                                            and promote the standby (pg_ctl promote)
#        scripts/cluster.sh rejoin-pg        rebuild the stopped one as a standby of the new
#                                            primary (pg_basebackup); `start` does it too
# Separate from scripts/services.sh's PostgreSQL and Redis (own ports, own data): both can run.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PY=$REPO/.venv/bin/python
STATE=${DCM_CLUSTER_DIR:-/tmp/dcm-cluster}
PGBIN=/usr/lib/postgresql/15/bin
PG_PORTS=(5442 5443)  # the first starts as primary; after a failover the roles swap
PG_SOCK=$STATE/pgsock
REDIS_MASTER=6390
REDIS_REPLICA=6391
SENTINELS=(26390 26391 26392)
PROXY=8800
NODES=(8801 8802 8803)
MASTER_NAME=dcm

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: ERROR: $*" >&2; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }
pg_up() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 1; }
redis_up() { [ "$(timeout 2 redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; }
http_up() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/api/health/"; }
wait_for() {  # wait_for <seconds> <what> <command...>
  local n=$1 what=$2; shift 2
  for _ in $(seq $((n * 2))); do "$@" && return 0; sleep 0.5; done
  die "$what did not come up within ${n}s (logs in $STATE/log)"
}

install_missing() {
  local want=()
  command -v nginx >/dev/null || want+=(nginx-light)
  command -v pgbouncer >/dev/null || want+=(pgbouncer)
  command -v redis-sentinel >/dev/null || want+=(redis-sentinel)
  [ -x "$PGBIN/pg_basebackup" ] || want+=(postgresql-15 postgresql-15-postgis-3)
  command -v redis-server >/dev/null || want+=(redis-server)
  [ ${#want[@]} -eq 0 ] && return
  log "installing ${want[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}" \
    >"$STATE/log/apt.log" 2>&1 || { apt-get update -q >/dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}" \
    >"$STATE/log/apt.log" 2>&1; } || die "apt-get install ${want[*]} failed: $STATE/log/apt.log"
  # Debian starts the packaged services on install where it can: this topology runs its own.
  for svc in nginx pgbouncer redis-sentinel; do service "$svc" stop >/dev/null 2>&1 || true; done
}

pg_start() {  # pg_start <port>
  as_pg "$PGBIN/pg_ctl" -D "$STATE/pg-$1" -l "$STATE/log/pg/$1.log" -w -t 60 \
    -o "-p $1 -k $PG_SOCK -c listen_addresses=127.0.0.1" start >/dev/null
}
pg_sql() {  # pg_sql <port> <sql>: one value, as the postgres superuser over the socket
  as_pg psql -X -At -h "$PG_SOCK" -p "$1" -d postgres -c "$2"
}
pg_streaming() {  # pg_streaming <port>: a standby streams from it
  [ "$(pg_sql "$1" "SELECT count(*) FROM pg_stat_replication WHERE state='streaming'")" -gt 0 ]
}
pg_primary() {  # the port of the server that accepts writes (none: fails)
  local p
  for p in "${PG_PORTS[@]}"; do
    pg_up "$p" && [ "$(pg_sql "$p" 'SELECT pg_is_in_recovery()')" = f ] && echo "$p" && return 0
  done
  return 1
}

rebuild_standby() {  # rebuild_standby <port> <primary port>: a fresh copy that streams
  # A server stopped by a failover has writes the new primary never saw (and its own timeline):
  # it must never start as a primary again. Copied anew from the new primary, it follows it.
  local port=$1 primary=$2
  log "pg_basebackup :$port as a standby of :$primary"
  if [ -f "$STATE/pg-$port/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$STATE/pg-$port" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE/pg-$port"
  install -d -o postgres -m 700 "$STATE/pg-$port"
  as_pg env PGPASSWORD=replicator "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary" \
    -U replicator -D "$STATE/pg-$port" -R -X stream -c fast
  rm -f "$STATE/pg-$port.retired"
  pg_start "$port"
}

start_postgres() {
  mkdir -p "$PG_SOCK" "$STATE/log/pg" && chown postgres "$PG_SOCK" "$STATE/log/pg"
  local first=${PG_PORTS[0]} p primary
  if [ ! -d "$STATE/pg-$first" ] && [ ! -d "$STATE/pg-${PG_PORTS[1]}" ]; then
    log "initdb primary :$first"
    install -d -o postgres -m 700 "$STATE/pg-$first"
    as_pg "$PGBIN/initdb" -D "$STATE/pg-$first" -E UTF8 --locale C.UTF-8 -A scram-sha-256 \
      --auth-local peer -U postgres >"$STATE/log/initdb.log"
    cat >>"$STATE/pg-$first/postgresql.conf" <<CONF
wal_level = replica
max_wal_senders = 5
hot_standby = on
wal_keep_size = 256MB
max_connections = 200
CONF
    # initdb -A scram-sha-256 lets every role in over loopback with a password, replication
    # included (the standby connects as "replicator"); the postgres role only over the socket.
  fi
  # Start what is down, except a server retired by a failover (rebuilt below, never started
  # as it is: it would be a second primary).
  for p in "${PG_PORTS[@]}"; do
    if [ -d "$STATE/pg-$p" ] && [ ! -f "$STATE/pg-$p.retired" ] && ! pg_up "$p"; then
      log "starting :$p"; pg_start "$p"
    fi
  done
  primary=$(pg_primary) || die "no PostgreSQL primary among :${PG_PORTS[*]} (logs in $STATE/log/pg)"
  for p in "${PG_PORTS[@]}"; do
    [ "$p" = "$primary" ] && continue
    if pg_up "$p" && [ "$(pg_sql "$p" 'SELECT pg_is_in_recovery()')" = f ]; then
      die "both :$primary and :$p accept writes: stop one, touch $STATE/pg-<its port>.retired, start again"
    fi
  done
  PGOPTIONS="-c client_min_messages=warning" as_pg psql -X -q -h "$PG_SOCK" -p "$primary" -d postgres -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
SELECT 'CREATE ROLE dcm LOGIN PASSWORD ''dcm''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname='dcm')\gexec
SELECT 'CREATE ROLE replicator REPLICATION LOGIN PASSWORD ''replicator''' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname='replicator')\gexec
SELECT 'CREATE DATABASE dcm OWNER dcm' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname='dcm')\gexec
\c dcm
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
  for p in "${PG_PORTS[@]}"; do
    [ "$p" = "$primary" ] && continue
    if [ ! -d "$STATE/pg-$p" ] || [ -f "$STATE/pg-$p.retired" ]; then
      rebuild_standby "$p" "$primary"
    fi
  done
  sync_replication "$primary" on
}

sync_replication() {  # sync_replication <primary port> on|off
  # On: a commit is acknowledged only once the standby has it on its disk, so promoting the
  # standby loses no acknowledged report. Asynchronous streaming lost one in 10,000 at a
  # failover here (acknowledged by the old primary, never received by the standby). Off: a
  # primary alone (its standby killed or being rebuilt) would otherwise wait for ever.
  local port=$1
  if [ "$2" = on ]; then
    wait_for 30 "the standby streaming to :$port" pg_streaming "$port"
    pg_sql "$port" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
  else
    pg_sql "$port" "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
  fi
  pg_sql "$port" "SELECT pg_reload_conf()" >/dev/null
}

redis_start() {  # redis_start <port> [port of the master to follow]
  redis-server --bind 127.0.0.1 --port "$1" --daemonize yes --save '' --appendonly no \
    --dir "$STATE" --pidfile "$STATE/redis-$1.pid" --logfile "$STATE/log/redis-$1.log" \
    ${2:+--replicaof 127.0.0.1 "$2"}
}

start_redis() {
  # A Redis that comes back after a failover starts as a replica of the master the sentinels
  # name: an empty master beside the real one would only mislead whoever looks at it.
  local master=$REDIS_MASTER known p
  known=$(redis-cli -p "${SENTINELS[0]}" sentinel get-master-addr-by-name $MASTER_NAME \
    2>/dev/null | tail -1 || true)
  if [[ "$known" =~ ^[0-9]+$ ]] && redis_up "$known"; then master=$known; fi
  for p in $REDIS_MASTER $REDIS_REPLICA; do
    redis_up "$p" && continue
    if [ "$p" = "$master" ]; then redis_start "$p"; else redis_start "$p" "$master"; fi
  done
  wait_for 10 "redis" redis_up $REDIS_MASTER
  wait_for 10 "redis" redis_up $REDIS_REPLICA
  local s
  for s in "${SENTINELS[@]}"; do
    redis_up "$s" && continue
    # A sentinel rewrites its own file (what it learnt): one file each, kept across restarts.
    [ -f "$STATE/sentinel-$s.conf" ] || cat >"$STATE/sentinel-$s.conf" <<CONF
bind 127.0.0.1
port $s
daemonize yes
pidfile $STATE/sentinel-$s.pid
logfile $STATE/log/sentinel-$s.log
dir $STATE
sentinel monitor $MASTER_NAME 127.0.0.1 $REDIS_MASTER 2
sentinel down-after-milliseconds $MASTER_NAME 3000
sentinel failover-timeout $MASTER_NAME 10000
sentinel parallel-syncs $MASTER_NAME 1
CONF
    redis-sentinel "$STATE/sentinel-$s.conf"
  done
  wait_for 10 "sentinels" redis_up "${SENTINELS[-1]}"
}

node_env() {
  local sentinels="" s
  for s in "${SENTINELS[@]}"; do sentinels+="${sentinels:+,}127.0.0.1:$s"; done
  [ -f "$STATE/secret_key" ] || "$PY" -c "import secrets; print(secrets.token_urlsafe(50))" \
    >"$STATE/secret_key"
  cat <<ENV
export DATABASE_URL='postgis://dcm:dcm@/dcm?host=127.0.0.1,127.0.0.1&port=${PG_PORTS[0]},${PG_PORTS[1]}&target_session_attrs=read-write&connect_timeout=3'
export DATABASE_REPLICA_URL='postgis://dcm:dcm@/dcm?host=127.0.0.1,127.0.0.1&port=${PG_PORTS[1]},${PG_PORTS[0]}&target_session_attrs=prefer-standby&connect_timeout=3'
export REDIS_SENTINELS='$sentinels'
export REDIS_SENTINEL_MASTER=$MASTER_NAME
export SECRET_KEY='$(cat "$STATE/secret_key")'
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=0
export TRUSTED_PROXIES=127.0.0.1
export MEDIA_ROOT='$STATE/media'
export DCM_VAR='$STATE/var'
export CHANNEL_PREFIX=dcmcluster
export DJANGO_SETTINGS_MODULE=server.settings
ENV
}

start_node() {  # start_node <port>: one app node, unless it answers already
  local port=$1
  http_up "$port" && return 0
  [ -f "$STATE/node.env" ] || die "no $STATE/node.env: run \`$0 start\` first"
  # A process group each (setsid): a node is killed whole, like a machine that dies. Each runs
  # one worker, one photo cleaner and a timer worker; the timers' lock leaves one in charge
  # across the nodes.
  setsid bash -c "source '$STATE/node.env'; exec >>'$STATE/log/node-$port.log' 2>&1
    '$PY' server/manage.py run_timers & timers=\$!
    '$PY' scripts/serve.py --workers 1 --photo-workers 1 --bind 127.0.0.1 --port $port
    kill \$timers" </dev/null &
  echo $! >"$STATE/node-$port.pid"
}

start_nodes() {
  node_env >"$STATE/node.env"
  # shellcheck disable=SC1091
  source "$STATE/node.env"
  mkdir -p "$MEDIA_ROOT" "$DCM_VAR"
  log "migrate, demo city, static files (on the primary)"
  "$PY" server/manage.py migrate --noinput -v0
  "$PY" server/manage.py load_demo_city --if-empty >/dev/null
  "$PY" server/manage.py collectstatic --noinput -v0
  local port
  for port in "${NODES[@]}"; do start_node "$port"; done
  for port in "${NODES[@]}"; do wait_for 60 "node :$port" http_up "$port"; done
}

start_proxy() {
  local servers="" port
  for port in "${NODES[@]}"; do servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;
"; done
  mkdir -p "$STATE/nginx"
  cat >"$STATE/nginx.conf" <<CONF
worker_processes 1;
pid $STATE/nginx.pid;
error_log $STATE/log/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log $STATE/log/nginx-access.log;
  client_body_temp_path $STATE/nginx/body; proxy_temp_path $STATE/nginx/proxy;
  fastcgi_temp_path $STATE/nginx/fcgi; uwsgi_temp_path $STATE/nginx/uwsgi; scgi_temp_path $STATE/nginx/scgi;
  client_max_body_size 8m;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream dcm_nodes {
$servers    keepalive 32;
  }
  server {
    listen 127.0.0.1:$PROXY;
    location / {
      proxy_pass http://dcm_nodes;
      proxy_http_version 1.1;
      # The port too: the websocket origin check compares the page's host and port with it.
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 3600s;
      # A node that dies mid-request: an idempotent retry elsewhere (reports carry keys).
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
CONF
  if [ -f "$STATE/nginx.pid" ] && kill -0 "$(cat "$STATE/nginx.pid")" 2>/dev/null; then
    nginx -c "$STATE/nginx.conf" -s reload
  else
    nginx -c "$STATE/nginx.conf"
  fi
  wait_for 10 "nginx :$PROXY" http_up $PROXY
}

stop_all() {
  local f pid
  if [ -f "$STATE/nginx.pid" ]; then nginx -c "$STATE/nginx.conf" -s quit 2>/dev/null || true; fi
  for f in "$STATE"/node-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$f"
  done
  for f in "$STATE"/sentinel-*.pid "$STATE"/redis-*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  for p in "${PG_PORTS[@]}"; do
    if [ -f "$STATE/pg-$p/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$STATE/pg-$p" -m fast -w stop >/dev/null || true
    fi
  done
  [ "${1:-}" = removing ] || log "stopped (data kept in $STATE)"
}

kill_node() {  # SIGKILL the node's group and its server's groups (serve.py starts each child
  # in a session of its own, so the node's group alone would leave the server serving).
  local port=$1 pid child
  [ -f "$STATE/node-$port.pid" ] || die "no node on :$port ($STATE/node-$port.pid missing)"
  pid=$(cat "$STATE/node-$port.pid")
  for child in $(pgrep -f "scripts/serve.py .*--port $port\$" || true); do
    for g in $(pgrep -P "$child" || true); do kill -KILL -- "-$g" 2>/dev/null || true; done
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$STATE/node-$port.pid"
  log "node :$port killed (SIGKILL); \`$0 start-node $port\` brings it back"
}

kill_redis() {
  local master
  master=$(redis-cli -p "${SENTINELS[0]}" sentinel get-master-addr-by-name $MASTER_NAME | tail -1)
  kill -KILL "$(redis-cli -p "$master" info server | tr -d '\r' | awk -F: '/^process_id/{print $2}')"
  log "redis master :$master killed; waiting for the sentinels"
  local t0=$SECONDS now
  while now=$(redis-cli -p "${SENTINELS[0]}" sentinel get-master-addr-by-name $MASTER_NAME | tail -1)
        [ "$now" = "$master" ]; do
    [ $((SECONDS - t0)) -lt 60 ] || die "no promotion within 60 s"
    sleep 0.5
  done
  log "sentinels promoted :$now after $((SECONDS - t0)) s"
}

kill_pg() {
  local primary standby p
  primary=$(pg_primary) || die "no PostgreSQL primary to kill"
  for p in "${PG_PORTS[@]}"; do [ "$p" = "$primary" ] || standby=$p; done
  # Retired first: whatever happens next, `start` rebuilds it rather than start a second primary.
  touch "$STATE/pg-$primary.retired"
  as_pg "$PGBIN/pg_ctl" -D "$STATE/pg-$primary" -m immediate -w stop >/dev/null
  log "primary :$primary stopped (immediate); promoting the standby :$standby"
  as_pg "$PGBIN/pg_ctl" -D "$STATE/pg-$standby" -w promote >/dev/null
  sync_replication "$standby" off  # alone until rejoin-pg gives it a standby again
  log "standby :$standby promoted; \`$0 rejoin-pg\` (or \`start\`) rebuilds :$primary as its standby"
}

status() {
  local port s
  for port in $PROXY "${NODES[@]}"; do
    http_up "$port" && echo "http :$port up" || echo "http :$port DOWN"; done
  for port in "${PG_PORTS[@]}"; do
    if pg_up $port; then
      echo "postgres :$port up, in recovery: $(as_pg psql -X -At -h "$PG_SOCK" -p $port -d postgres -c 'SELECT pg_is_in_recovery()')"
    else echo "postgres :$port DOWN"; fi
  done
  for port in $REDIS_MASTER $REDIS_REPLICA; do
    echo "redis :$port $(redis-cli -p $port role 2>/dev/null | head -1 || echo DOWN)"; done
  for s in "${SENTINELS[@]}"; do
    echo "sentinel :$s master $(redis-cli -p "$s" sentinel get-master-addr-by-name $MASTER_NAME 2>/dev/null | paste -sd: || echo DOWN)"
  done
}

case "${1:-start}" in
  start)
    mkdir -p "$STATE/log"
    install_missing
    start_postgres
    start_redis
    start_nodes
    start_proxy
    status
    log "serving on http://127.0.0.1:$PROXY/ (nodes ${NODES[*]}; settings: $STATE/node.env)"
    ;;
  stop) stop_all ;;
  status) status ;;
  env) node_env ;;
  kill-node) kill_node "${2:?usage: $0 kill-node PORT}" ;;
  start-node) start_node "${2:?usage: $0 start-node PORT}"; wait_for 60 "node :$2" http_up "$2" ;;
  start-redis) start_redis ;;
  rejoin-pg) mkdir -p "$STATE/log"; start_postgres ;;
  kill-redis) kill_redis ;;
  kill-pg) kill_pg ;;
  clean) stop_all removing; rm -rf "$STATE"; log "stopped; $STATE removed" ;;
  *) die "usage: $0 start|stop|status|env|clean|kill-node PORT|start-node PORT|kill-redis|start-redis|kill-pg|rejoin-pg" ;;
esac
