#!/usr/bin/env bash
# Back up the PostGIS database named by DATABASE_URL to one custom-format file:
#   DATABASE_URL=postgis://user:pw@host:5432/db scripts/backup.sh /path/dcm-YYYYMMDD.dump
# The dump holds every table (cases, the event log, maps, users) and the event log's
# append-only triggers. Photos live in MEDIA_ROOT: copy that folder beside the dump.
set -euo pipefail
out=${1:?usage: scripts/backup.sh OUTPUT.dump}
url=${DATABASE_URL:?DATABASE_URL must name the PostGIS database}
url=postgresql://${url#*://}
pg_dump --format=custom --no-owner --file="$out" "$url"
echo "backup: $(du -h "$out" | cut -f1) written to $out" >&2
