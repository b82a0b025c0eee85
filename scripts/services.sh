#!/usr/bin/env bash
# Make sure PostgreSQL (with PostGIS) and Redis run on loopback for this project, then print
# the two lines a Makefile can `eval`:
#   export DATABASE_URL=postgis://dcm:dcm@127.0.0.1:5432/dcm
#   export REDIS_URL=redis://127.0.0.1:6379/0
#
# Usage: scripts/services.sh          start or reuse both, ensure role/db/postgis, print the URLs
#        scripts/services.sh stop     stop what this script started (see STATE_DIR)
#        scripts/services.sh stop --all   stop the local cluster and the redis on the port anyway
#
# PostgreSQL: whatever already accepts connections on 127.0.0.1:PORT is reused; otherwise the
# Debian cluster VERSION/main is started without systemd (created first if missing), listening
# on 127.0.0.1 only. Role and database are ensured as the postgres OS user over the local socket
# (peer auth) when possible; postgis is created in the database and in template1, so Django's
# test database (cloned from template1) has it although the role is not a superuser.
# Redis: reused if it answers PONG, otherwise started daemonized on 127.0.0.1, no persistence.
#
# Idempotent. Logs one line per service on stderr; stdout carries only the two export lines.
# Overrides (keep them URL-safe, they go into the URLs as they are):
#   DCM_PG_PORT DCM_PG_VERSION DCM_DB_USER DCM_DB_PASSWORD DCM_DB_NAME DCM_REDIS_PORT
#   DCM_SERVICES_TIMEOUT (seconds to wait for each server, default 30)
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=${DCM_PG_PORT:-5432}
PG_VERSION=${DCM_PG_VERSION:-15}
PG_CLUSTER=main
PG_SOCKDIR=/var/run/postgresql
DB_USER=${DCM_DB_USER:-dcm}
DB_PASSWORD=${DCM_DB_PASSWORD:-dcm}
DB_NAME=${DCM_DB_NAME:-dcm}
REDIS_HOST=127.0.0.1
REDIS_PORT=${DCM_REDIS_PORT:-6379}
TIMEOUT=${DCM_SERVICES_TIMEOUT:-30}
STATE_DIR=/tmp/dcm-services
REDIS_PIDFILE=$STATE_DIR/redis-$REDIS_PORT.pid
REDIS_LOG=/tmp/dcm-redis.log
PG_MARKER=$STATE_DIR/pg-$PG_VERSION-$PG_CLUSTER-started

# Everything goes to stderr except the final export lines (fd 3).
exec 3>&1 1>&2

log() { echo "services: $*"; }
die() { echo "services: ERROR: $*"; exit 1; }
join() { local sep=$1 out=$2; shift 2; for x in "$@"; do out+=$sep$x; done; echo "$out"; }

port_open() { (exec 2>/dev/null; : >"/dev/tcp/$1/$2") 2>/dev/null; }

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 1; }

redis_pong() {
  [ "$(timeout 2 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# Admin psql as the postgres OS user over the local socket (peer auth), when that is possible.
admin_psql() {
  local clean=(env -u PGUSER -u PGDATABASE -u PGSERVICE -u PGOPTIONS -u PGPASSWORD)
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "${clean[@]}" HOME=/var/lib/postgresql \
      psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" "$@"
  elif [ "$(id -un)" = postgres ]; then
    "${clean[@]}" psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_SOCKDIR" -p "$PG_PORT" "$@"
  else
    return 1
  fi
}

user_psql() {  # as the project role, over TCP with its password
  env -u PGSERVICE -u PGOPTIONS PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=3 psql -X -q -At -v ON_ERROR_STOP=1 \
    -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" "$@"
}

redis_ours() {  # pid of the redis this script started, if it still runs
  local pid
  [ -f "$REDIS_PIDFILE" ] || return 1
  pid=$(cat "$REDIS_PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ] && echo "$pid"
}

cluster_running() { pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; }

# ---------------------------------------------------------------- stop
if [ "${1:-}" = stop ]; then
  all=; [ "${2:-}" = --all ] && all=1
  if [ -n "$all" ] || [ -f "$PG_MARKER" ]; then
    if cluster_running; then
      pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop
      log "postgres cluster $PG_VERSION/$PG_CLUSTER stopped"
    else
      log "postgres cluster $PG_VERSION/$PG_CLUSTER not running"
    fi
    rm -f "$PG_MARKER"
  elif pg_ready; then
    log "postgres on $PG_HOST:$PG_PORT left running (not started by services.sh; 'stop --all' stops the local cluster)"
  else
    log "postgres not running"
  fi
  if pid=$(redis_ours) || { [ -n "$all" ] && redis_pong; }; then
    timeout 5 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    end=$((SECONDS + 10))
    while redis_pong || { [ -n "${pid:-}" ] && [ -d "/proc/$pid" ]; }; do
      [ $SECONDS -lt $end ] || die "redis on $REDIS_HOST:$REDIS_PORT did not stop"
      sleep 0.1
    done
    rm -f "$REDIS_PIDFILE"
    log "redis on $REDIS_HOST:$REDIS_PORT stopped"
  elif redis_pong; then
    log "redis on $REDIS_HOST:$REDIS_PORT left running (not started by services.sh; 'stop --all' stops it)"
  else
    log "redis not running"
  fi
  exit 0
elif [ $# -gt 0 ]; then
  die "usage: $0 [stop [--all]]"
fi

mkdir -p "$STATE_DIR"

# ---------------------------------------------------------------- PostgreSQL: server
pg_how=reused
if ! pg_ready; then
  if port_open "$PG_HOST" "$PG_PORT"; then
    # Something listens: a PostgreSQL still starting up, or something else on the port.
    end=$((SECONDS + TIMEOUT))
    until pg_ready; do
      [ $SECONDS -lt $end ] || die "$PG_HOST:$PG_PORT is open but PostgreSQL does not accept connections there (pg_isready) after ${TIMEOUT}s"
      sleep 0.2
    done
  else
    command -v pg_ctlcluster >/dev/null || die "pg_ctlcluster missing: run scripts/install-system.sh services"
    [ -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ] ||
      die "PostgreSQL $PG_VERSION is not installed: run scripts/install-system.sh services"
    if [ ! -f "/etc/postgresql/$PG_VERSION/$PG_CLUSTER/postgresql.conf" ]; then
      [ "$(id -u)" = 0 ] || die "cluster $PG_VERSION/$PG_CLUSTER missing and we are not root to create it"
      pg_createcluster -p "$PG_PORT" -e UTF8 --locale C.UTF-8 "$PG_VERSION" "$PG_CLUSTER" >/dev/null
      log "postgres cluster $PG_VERSION/$PG_CLUSTER created"
    fi
    if cluster_running; then
      die "cluster $PG_VERSION/$PG_CLUSTER runs but does not accept connections on $PG_HOST:$PG_PORT (other port or listen_addresses?); stop it with: pg_ctlcluster $PG_VERSION $PG_CLUSTER stop"
    fi
    # Loopback only and our port, whatever postgresql.conf says; pg_ctlcluster waits for startup.
    # The daemon must not inherit our stdout, stderr or fd 3: a caller reading them through a
    # pipe (eval "$(scripts/services.sh)", make | tee) would otherwise wait forever.
    if ! pg_ctlcluster -o "-c listen_addresses=$PG_HOST" -o "-c port=$PG_PORT" \
        "$PG_VERSION" "$PG_CLUSTER" start </dev/null >"$STATE_DIR/pg_ctlcluster.out" 2>&1 3>&-; then
      cat "$STATE_DIR/pg_ctlcluster.out"
      die "pg_ctlcluster $PG_VERSION $PG_CLUSTER start failed; see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
    fi
    : >"$PG_MARKER"
    end=$((SECONDS + TIMEOUT))
    until pg_ready; do
      [ $SECONDS -lt $end ] || die "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within ${TIMEOUT}s; see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
      sleep 0.1
    done
    pg_how=started
  fi
fi

# ---------------------------------------------------------------- PostgreSQL: role, db, postgis
# One psql session: prints one word per change it made, or "postgis-unavailable <major>".
admin_sql() {
  admin_psql -d postgres -v u="$DB_USER" -v p="$DB_PASSWORD" -v db="$DB_NAME" <<'SQL'
SELECT 'role-created' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u');
SELECT format('CREATE ROLE %I LOGIN CREATEDB NOSUPERUSER PASSWORD %L', :'u', :'p')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u') \gexec
SELECT 'role-altered' FROM pg_roles
 WHERE rolname = :'u' AND (NOT rolcanlogin OR NOT rolcreatedb OR rolsuper);
SELECT format('ALTER ROLE %I LOGIN CREATEDB NOSUPERUSER', :'u') FROM pg_roles
 WHERE rolname = :'u' AND (NOT rolcanlogin OR NOT rolcreatedb OR rolsuper) \gexec
-- The benches start each timed window from a checkpoint (a flush left over from setting up
-- would land in the window): PostgreSQL 15's pg_checkpoint role allows CHECKPOINT, nothing else.
SELECT 'role-checkpoint' FROM pg_roles WHERE rolname = 'pg_checkpoint'
   AND NOT pg_has_role(:'u', 'pg_checkpoint', 'MEMBER');
SELECT format('GRANT pg_checkpoint TO %I', :'u') FROM pg_roles WHERE rolname = 'pg_checkpoint'
   AND NOT pg_has_role(:'u', 'pg_checkpoint', 'MEMBER') \gexec
SELECT 'postgis-unavailable ' || current_setting('server_version_num')::int / 10000
 WHERE NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'postgis');
SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'postgis') AS have_postgis \gset
\if :have_postgis
\c template1
SELECT 'postgis-template1' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis');
SELECT 'CREATE EXTENSION postgis' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis') \gexec
\c postgres
\endif
SELECT 'db-created' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db');
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template1', :'db', :'u')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT 'db-owner' FROM pg_database
 WHERE datname = :'db' AND pg_get_userbyid(datdba) <> :'u';
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'u') FROM pg_database
 WHERE datname = :'db' AND pg_get_userbyid(datdba) <> :'u' \gexec
\if :have_postgis
\c :"db"
SELECT 'postgis-db' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis');
SELECT 'CREATE EXTENSION postgis' WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis') \gexec
\endif
SQL
}

notes=()
can_admin=
if admin_psql -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
  can_admin=1
  out=$(admin_sql) || die "setting up role/database/postgis as the postgres user failed (output above)"
  if [[ $out == *postgis-unavailable* ]]; then
    major=$(sed -n 's/^postgis-unavailable //p' <<<"$out")
    [ "$(id -u)" = 0 ] || die "PostGIS is not installed for PostgreSQL $major; install postgresql-$major-postgis-3"
    log "postgres: PostGIS missing for PostgreSQL $major, apt-get install postgresql-$major-postgis-3"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "postgresql-$major-postgis-3" >/dev/null ||
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends "postgresql-$major-postgis-3" >/dev/null; } ||
      die "apt-get install postgresql-$major-postgis-3 failed"
    out+=$'\n'$(admin_sql) || die "creating postgis failed (output above)"
    [[ $(tail -n +2 <<<"$out") != *postgis-unavailable* ]] ||
      die "postgis still unavailable after installing postgresql-$major-postgis-3: is $PG_HOST:$PG_PORT a server on this machine?"
  fi
  grep -qx role-created <<<"$out" && notes+=("role $DB_USER created")
  grep -qx role-altered <<<"$out" && notes+=("role $DB_USER fixed (LOGIN CREATEDB NOSUPERUSER)")
  grep -qx role-checkpoint <<<"$out" && notes+=("role $DB_USER may CHECKPOINT (benches)")
  grep -qx db-created <<<"$out" && notes+=("database $DB_NAME created")
  grep -qx db-owner <<<"$out" && notes+=("database $DB_NAME owner set to $DB_USER")
  grep -qx postgis-db <<<"$out" && notes+=("postgis created in $DB_NAME")
  grep -qx postgis-template1 <<<"$out" && notes+=("postgis created in template1")
fi

# Check as the project role, over TCP with its password, what the application will see.
check_sql="SELECT r.rolcreatedb AND NOT r.rolsuper, EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis')
           FROM pg_roles r WHERE r.rolname = current_user"
if ! state=$(user_psql -d "$DB_NAME" -F ' ' -c "$check_sql" 2>&1); then
  if [ -n "$can_admin" ] && [[ $state == *"password authentication failed"* ]]; then
    admin_psql -d postgres -v u="$DB_USER" -v p="$DB_PASSWORD" \
      <<<"SELECT format('ALTER ROLE %I PASSWORD %L', :'u', :'p') \\gexec" >/dev/null ||
      die "could not set the password of role $DB_USER"
    notes+=("password of $DB_USER reset")
    state=$(user_psql -d "$DB_NAME" -F ' ' -c "$check_sql" 2>&1) ||
      die "cannot connect as $DB_USER to $PG_HOST:$PG_PORT/$DB_NAME: $state"
  elif [ -z "$can_admin" ]; then
    die "PostgreSQL on $PG_HOST:$PG_PORT is reused but not administrable as the postgres OS user, and connecting as $DB_USER failed: $state
  As a superuser there, run:
    CREATE ROLE $DB_USER LOGIN CREATEDB NOSUPERUSER PASSWORD '$DB_PASSWORD';  (or ALTER ROLE ... if it exists)
    CREATE DATABASE $DB_NAME OWNER $DB_USER;
    \\c $DB_NAME  CREATE EXTENSION postgis;   \\c template1  CREATE EXTENSION postgis;"
  else
    die "cannot connect as $DB_USER to $PG_HOST:$PG_PORT/$DB_NAME: $state"
  fi
fi
missing=()
[ "${state%% *}" = t ] || missing+=("role $DB_USER needs CREATEDB and NOSUPERUSER")
[ "${state##* }" = t ] || missing+=("extension postgis in database $DB_NAME")
if [ -z "$can_admin" ]; then
  t1=$(user_psql -d template1 -c "SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis')" 2>&1) || t1=f
  [ "$t1" = t ] || missing+=("extension postgis in template1 (Django's test database is cloned from it)")
fi
[ ${#missing[@]} -eq 0 ] ||
  die "PostgreSQL on $PG_HOST:$PG_PORT lacks: $(join '; ' "${missing[@]}")$([ -z "$can_admin" ] && echo " -- not administrable as the postgres OS user here; a superuser must fix it")"

msg="postgres $PG_HOST:$PG_PORT $pg_how"
[ "$pg_how" = started ] && msg+=" (cluster $PG_VERSION/$PG_CLUSTER)"
[ -z "$can_admin" ] && msg+=", checked as $DB_USER only (no admin access)"
[ ${#notes[@]} -gt 0 ] && msg+="; $(join ', ' "${notes[@]}")"
log "$msg"

# ---------------------------------------------------------------- Redis
if redis_pong; then
  log "redis $REDIS_HOST:$REDIS_PORT reused"
else
  port_open "$REDIS_HOST" "$REDIS_PORT" &&
    die "$REDIS_HOST:$REDIS_PORT is open but does not answer PING with PONG (not redis, or redis with a password)"
  command -v redis-server >/dev/null || die "redis-server missing: run scripts/install-system.sh services"
  if ! redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --daemonize yes --save "" \
      --appendonly no --dir /tmp --logfile "$REDIS_LOG" --pidfile "$REDIS_PIDFILE" \
      </dev/null >"$STATE_DIR/redis-server.out" 2>&1 3>&-; then
    cat "$STATE_DIR/redis-server.out"
    die "redis-server failed to start; see $REDIS_LOG"
  fi
  end=$((SECONDS + TIMEOUT))
  until redis_pong; do
    [ $SECONDS -lt $end ] || die "redis did not answer PONG on $REDIS_HOST:$REDIS_PORT within ${TIMEOUT}s; see $REDIS_LOG"
    sleep 0.1
  done
  log "redis $REDIS_HOST:$REDIS_PORT started (log $REDIS_LOG)"
fi

echo "export DATABASE_URL=postgis://$DB_USER:$DB_PASSWORD@$PG_HOST:$PG_PORT/$DB_NAME" >&3
echo "export REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT/0" >&3
