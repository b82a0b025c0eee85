#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into the EMPTY database named by DATABASE_URL:
#   createdb -T template1 newdb     # template1 has PostGIS (scripts/services.sh puts it there)
#   DATABASE_URL=postgis://user:pw@host:5432/newdb scripts/restore.sh dcm.dump
# The postgis extension is left out of the restore list: the target already has it, and
# creating an extension needs a superuser, which the project's role is not; PostGIS owns
# spatial_ref_sys too.
set -euo pipefail
dump=${1:?usage: scripts/restore.sh INPUT.dump}
url=${DATABASE_URL:?DATABASE_URL must name the target database}
url=postgresql://${url#*://}
list=$(mktemp)
trap 'rm -f "$list"' EXIT
pg_restore --list "$dump" | grep -v -E ' EXTENSION | COMMENT - EXTENSION |spatial_ref_sys' > "$list"
pg_restore --no-owner --exit-on-error --single-transaction --use-list="$list" \
  --dbname="$url" "$dump"
echo "restore: $dump restored" >&2
