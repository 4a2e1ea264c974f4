#!/usr/bin/env bash
# Restores a folder written by scripts/backup.sh: checks its checksums, pg_restore --clean --if-exists into
# the database in DATABASE_URL (or DATABASE_URL_FILE), checks the row counts against the backup's, then
# puts the recordings and the objects (clips, posters) back. See docs/operations.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup-lib.sh
source "$HERE/backup-lib.sh"

usage() {
  cat <<EOF
usage: scripts/restore.sh BACKUP_DIR --yes [--data-dir DIR] [--no-database] [--no-recordings] [--no-objects]

Restores BACKUP_DIR (a video-agent-<time> folder written by scripts/backup.sh):
  1. verifies SHA256SUMS (a damaged backup is refused before anything is touched);
  2. database: pg_restore --clean --if-exists --no-owner --single-transaction into the database in
     DATABASE_URL (or the file named by DATABASE_URL_FILE): the backup's tables replace the ones there, and
     the row count of every table must then equal tables.tsv (exit 1 otherwise). The database must exist
     (createdb). A backup with TimescaleDB restores into an empty database only (Timescale's procedure:
     timescaledb_pre_restore/post_restore around pg_restore, without --clean), with the extension available;
  3. recordings/ -> <data-dir>/recordings (files of the same name are overwritten, others kept);
  4. objects/ -> the clip store (S3_BUCKET set: that bucket, else <data-dir>/clips), each sha256-checked.
Stop video-agent (serve, workers) first: a running server would write into the database being replaced.
Start it again afterwards; it applies any newer migrations (sql/) at start-up, or run \`video-agent migrate\`.

  --yes             required: the target database's video-agent tables are dropped and replaced
  --data-dir DIR    the server's data dir (server.dataDir; default ./data)
  --no-database     skip step 2
  --no-recordings   skip step 3
  --no-objects      skip step 4
  -h, --help        this text

Needs pg_restore and psql (apt-get install postgresql-client) and node. The database URL is never printed
or passed on a command line.
EOF
}

BACKUP=
DATA_DIR=data
YES=
DATABASE=1
RECORDINGS=1
OBJECTS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --yes) YES=1; shift ;;
    --data-dir) DATA_DIR=${2:?--data-dir needs a folder}; shift 2 ;;
    --no-database) DATABASE=; shift ;;
    --no-recordings) RECORDINGS=; shift ;;
    --no-objects) OBJECTS=; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; va_die "unknown argument: $1" ;;
    *) [[ -z "$BACKUP" ]] || va_die "one backup folder only (got '$BACKUP' and '$1')"; BACKUP=$1; shift ;;
  esac
done
[[ -n "$BACKUP" ]] || { usage >&2; va_die "missing BACKUP_DIR"; }
[[ -d "$BACKUP" && -f "$BACKUP/manifest.json" && -f "$BACKUP/SHA256SUMS" ]] || va_die "$BACKUP is not a backup folder (no manifest.json / SHA256SUMS)"
[[ -n "$YES" ]] || va_die "restoring replaces the database's tables: pass --yes to go ahead"
BACKUP=$(cd "$BACKUP" && pwd)

va_need node sha256sum tar
echo "restore $(basename "$BACKUP")"

# --- 1. checksums -----------------------------------------------------------------------------------------
(cd "$BACKUP" && sha256sum --quiet --strict -c SHA256SUMS) || va_die "$BACKUP: checksum mismatch (above); the backup is damaged, nothing was restored"
echo "  checksums   $(wc -l <"$BACKUP/SHA256SUMS") files OK"

# --- 2. database ------------------------------------------------------------------------------------------
if [[ -n "$DATABASE" ]]; then
  va_need pg_restore psql
  va_read_database_url
  va_export_pg_env
  psql -X -q -At -v ON_ERROR_STOP=1 -c 'SELECT 1' >/dev/null || va_die "cannot connect to $VA_DATABASE_SHOWN (create the database first: createdb)"
  TIMESCALE=
  if pg_restore -l "$BACKUP/database.dump" | grep -q ' EXTENSION - timescaledb$'; then TIMESCALE=1; fi
  CLEAN=(--clean --if-exists)
  if [[ -n "$TIMESCALE" ]]; then
    # TimescaleDB's documented restore goes into an empty database (dropping the extension and its catalog
    # with --clean is not supported): the extension first, then pre/post_restore around pg_restore.
    USED=$(psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE '\_timescaledb%' AND table_schema NOT LIKE 'timescaledb\_%'")
    [[ "$USED" == 0 ]] || va_die "the backup uses TimescaleDB, which restores into an empty database only: $VA_DATABASE_SHOWN has $USED tables (dropdb + createdb it first)"
    CLEAN=()
    psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS timescaledb' -c 'SELECT timescaledb_pre_restore()' >/dev/null \
      || va_die "$VA_DATABASE_SHOWN: the backup uses TimescaleDB; the target needs the extension (a timescale/timescaledb image or package)"
  fi
  T0=$(date +%s.%N)
  # --no-owner: objects belong to the user restoring, whatever role owned them where the backup was taken.
  # --single-transaction: a failed restore leaves the database as it was.
  pg_restore "${CLEAN[@]+"${CLEAN[@]}"}" --no-owner --single-transaction --exit-on-error -d "$PGDATABASE" "$BACKUP/database.dump" \
    || { [[ -z "$TIMESCALE" ]] || psql -X -q -c 'SELECT timescaledb_post_restore()' >/dev/null || true; va_die "pg_restore into $VA_DATABASE_SHOWN failed (above); the database was left as it was"; }
  if [[ -n "$TIMESCALE" ]]; then psql -X -q -v ON_ERROR_STOP=1 -c 'SELECT timescaledb_post_restore()' >/dev/null; fi
  T1=$(date +%s.%N)
  # Every table of the backup must hold what it held (tables that exist only in the target are not compared).
  NOW=$(mktemp)
  trap 'rm -f "$NOW"' EXIT
  va_table_counts >"$NOW"
  DIFF=$(join -t $'\t' -a 1 -e MISSING -o 0,1.2,2.2 <(sort "$BACKUP/tables.tsv") <(sort "$NOW") | awk -F'\t' '$2 != $3 { printf "%s: backup %s, restored %s\n", $1, $2, $3 }')
  ROWS=$(awk -F'\t' '{s+=$2} END {print s+0}' "$BACKUP/tables.tsv")
  echo "  database    database.dump -> $VA_DATABASE_SHOWN in $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s${TIMESCALE:+ (TimescaleDB)}"
  [[ -z "$DIFF" ]] || va_die "row counts differ after the restore:"$'\n'"$DIFF"
  echo "              $(wc -l <"$BACKUP/tables.tsv") tables, $ROWS rows, every count equal to tables.tsv"
  va_print_counts "$BACKUP/tables.tsv"
else
  echo "  database    skipped (--no-database)"
fi

# --- 3. recordings ----------------------------------------------------------------------------------------
if [[ -n "$RECORDINGS" && -d "$BACKUP/recordings" ]]; then
  mkdir -p "$DATA_DIR"
  tar -C "$BACKUP" -cf - recordings | tar -C "$DATA_DIR" -xf -
  read -r REC_BYTES REC_FILES < <(va_tree_size "$BACKUP/recordings")
  echo "  recordings  recordings/ -> $DATA_DIR/recordings $REC_FILES files, $(va_human_size "$REC_BYTES")"
elif [[ -n "$RECORDINGS" ]]; then
  echo "  recordings  none in the backup"
else
  echo "  recordings  skipped (--no-recordings)"
fi

# --- 4. objects -------------------------------------------------------------------------------------------
if [[ -n "$OBJECTS" && -f "$BACKUP/objects.json" ]]; then
  OBJ_JSON=$(node "$HERE/backup-objects.js" import "$BACKUP" --data-dir "$DATA_DIR" | tail -n 1)
  echo "  objects     objects/ -> $(VA_OBJ="$OBJ_JSON" node -p 'const o = JSON.parse(process.env.VA_OBJ); `${o.store} ${o.objects} objects`'), $(va_human_size "$(VA_OBJ="$OBJ_JSON" node -p 'JSON.parse(process.env.VA_OBJ).bytes')")"
elif [[ -n "$OBJECTS" ]]; then
  echo "  objects     none in the backup"
else
  echo "  objects     skipped (--no-objects)"
fi
echo "restored: $BACKUP"
