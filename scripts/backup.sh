#!/usr/bin/env bash
# Backs up a video-agent deployment into one timestamped folder: the PostgreSQL database (pg_dump custom
# format), the recordings (<data-dir>/recordings) and the object store (clips and posters: <data-dir>/clips,
# or the S3 bucket when S3_BUCKET is set). See docs/operations.md ("Backups and recovery").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup-lib.sh
source "$HERE/backup-lib.sh"

usage() {
  cat <<EOF
usage: scripts/backup.sh [--dest DIR] [--data-dir DIR] [--keep N] [--no-recordings] [--no-objects]

Writes DIR/video-agent-<UTC time>/ (DIR: --dest, else \$VIDEO_AGENT_BACKUP_DIR, else ./backups):
  database.dump   pg_dump -Fc of the database in DATABASE_URL (or in the file named by DATABASE_URL_FILE)
  tables.tsv      exact row counts per table, from the same snapshot as the dump (restore.sh checks them)
  recordings/     <data-dir>/recordings (closed segments and their index; the segment being written is skipped)
  objects/        every object of the clip store (S3_BUCKET set: that bucket, else <data-dir>/clips), objects.json
  manifest.json   what was written; SHA256SUMS: a checksum per file (restore.sh verifies them first)
The folder is written as .video-agent-<time>.partial and renamed when complete. The last line printed is
"backup: <path>".

  --dest DIR        where backup folders go
  --data-dir DIR    the server's data dir (server.dataDir; default ./data)
  --keep N          afterwards, delete all but the N newest video-agent-* backups in DIR
  --no-recordings   skip <data-dir>/recordings
  --no-objects      skip the object store
  -h, --help        this text

Needs pg_dump and psql (apt-get install postgresql-client) of the server's major version or newer (PG_BIN=DIR:
use the tools in DIR, e.g. /usr/lib/postgresql/16/bin), and node.
The database URL is never printed or passed on a command line.
EOF
}

DEST=${VIDEO_AGENT_BACKUP_DIR:-backups}
DATA_DIR=data
KEEP=
RECORDINGS=1
OBJECTS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dest) DEST=${2:?--dest needs a folder}; shift 2 ;;
    --data-dir) DATA_DIR=${2:?--data-dir needs a folder}; shift 2 ;;
    --keep) KEEP=${2:?--keep needs a number}; shift 2 ;;
    --no-recordings) RECORDINGS=; shift ;;
    --no-objects) OBJECTS=; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; va_die "unknown argument: $1" ;;
  esac
done
[[ -z "$KEEP" || "$KEEP" =~ ^[1-9][0-9]*$ ]] || va_die "--keep: expected a positive integer, got '$KEEP'"

va_need pg_dump psql node sha256sum tar
va_read_database_url
va_export_pg_env

NAME="video-agent-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
[[ ! -e "$DEST/$NAME" ]] || va_die "$DEST/$NAME already exists"
WORK="$DEST/.$NAME.partial"
rm -rf "$WORK"
mkdir -m 700 "$WORK"
cleanup() { [[ -d "$WORK" ]] && rm -rf "$WORK"; }
trap cleanup EXIT

# A first connection gives a clear error (libpq's message names host, user and database, never the password).
psql -X -q -At -v ON_ERROR_STOP=1 -c 'SELECT 1' >/dev/null || va_die "cannot connect to $VA_DATABASE_SHOWN"

# --- database: counts and dump from one snapshot -------------------------------------------------------
# A psql session holds a REPEATABLE READ transaction and exports its snapshot; the counts are read in it and
# pg_dump --snapshot dumps exactly the same state, so tables.tsv matches the dump even while streams write.
coproc PSQL { psql -X -q -At -F $'\t' -v ON_ERROR_STOP=1 2>&1; }
psql_until_end() {
  local line seen=()
  while IFS= read -r -t 120 line <&"${PSQL[0]}"; do
    [[ "$line" == __end__ ]] && { printf '%s\n' "${seen[@]+"${seen[@]}"}"; return 0; }
    seen+=("$line")
  done
  va_die "the database session at $VA_DATABASE_SHOWN ended: ${seen[*]: -3}"
}
{
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
  echo "SELECT pg_export_snapshot();"
  echo "SELECT '__end__';"
} >&"${PSQL[1]}"
SNAPSHOT=$(psql_until_end)
[[ "$SNAPSHOT" =~ ^[0-9A-F-]+$ ]] || va_die "cannot open a snapshot on $VA_DATABASE_SHOWN: $SNAPSHOT"
{
  # The same query as va_table_counts, in this session.
  echo "SELECT table_schema || '.' || table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE '\\_timescaledb%' AND table_schema NOT IN ('timescaledb_information', 'timescaledb_experimental', 'toolkit_experimental') ORDER BY 1;"
  echo "SELECT '__end__';"
} >&"${PSQL[1]}"
psql_until_end >"$WORK/tables.tsv"
{
  echo "SELECT current_setting('server_version') || E'\\t' || coalesce((SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'), '');"
  echo "SELECT '__end__';"
} >&"${PSQL[1]}"
IFS=$'\t' read -r SERVER_VERSION EXTENSIONS < <(psql_until_end) || true

pg_dump -Fc --snapshot="$SNAPSHOT" -f "$WORK/database.dump"
echo "COMMIT;" >&"${PSQL[1]}"
PSQL_FD=${PSQL[1]}
eval "exec ${PSQL_FD}>&-"
wait "$PSQL_PID" || va_die "the database session at $VA_DATABASE_SHOWN failed at COMMIT"

DUMP_BYTES=$(stat -c %s "$WORK/database.dump")
TABLES=$(wc -l <"$WORK/tables.tsv")
ROWS=$(awk -F'\t' '{s+=$2} END {print s+0}' "$WORK/tables.tsv")

# --- recordings -------------------------------------------------------------------------------------------
REC_BYTES=0 REC_FILES=0
REC_SRC="$DATA_DIR/recordings"
if [[ -n "$RECORDINGS" && -d "$REC_SRC" ]]; then
  # .writing/ holds the segment being written (incomplete until closed); .closing-* are moved-aside leftovers.
  tar -C "$DATA_DIR" --exclude='.writing' --exclude='.closing-*' -cf - recordings | tar -C "$WORK" -xf -
  read -r REC_BYTES REC_FILES < <(va_tree_size "$WORK/recordings")
fi

# --- object store -----------------------------------------------------------------------------------------
OBJ_JSON='{"objects":0,"bytes":0,"store":"skipped"}'
if [[ -n "$OBJECTS" ]]; then
  OBJ_JSON=$(node "$HERE/backup-objects.js" export "$WORK" --data-dir "$DATA_DIR" | tail -n 1)
fi

# --- manifest and checksums -------------------------------------------------------------------------------
VA_NAME="$NAME" VA_SHOWN="$VA_DATABASE_SHOWN" VA_SERVER="${SERVER_VERSION:-}" VA_EXT="${EXTENSIONS:-}" \
VA_DUMP="$DUMP_BYTES" VA_TABLES="$TABLES" VA_ROWS="$ROWS" VA_REC="$REC_BYTES $REC_FILES" VA_OBJ="$OBJ_JSON" \
VA_RECORDINGS="${RECORDINGS:+$REC_SRC}" VA_WORK="$WORK" node -e '
  const fs = require("node:fs");
  const e = process.env;
  const tables = Object.fromEntries(fs.readFileSync(e.VA_WORK + "/tables.tsv", "utf8").trim().split("\n").filter(Boolean).map((l) => { const [t, n] = l.split("\t"); return [t, Number(n)]; }));
  const [recBytes, recFiles] = e.VA_REC.split(" ").map(Number);
  const manifest = {
    name: e.VA_NAME, createdAt: new Date().toISOString(), format: 1,
    database: { url: e.VA_SHOWN, serverVersion: e.VA_SERVER, extensions: e.VA_EXT, dump: "database.dump", dumpBytes: Number(e.VA_DUMP), tables },
    recordings: e.VA_RECORDINGS ? { from: e.VA_RECORDINGS, files: recFiles, bytes: recBytes } : null,
    objects: JSON.parse(e.VA_OBJ),
  };
  fs.writeFileSync(e.VA_WORK + "/manifest.json", JSON.stringify(manifest, null, 2) + "\n");
'
(cd "$WORK" && find . -type f ! -name SHA256SUMS -printf '%P\0' | sort -z | xargs -0 -r sha256sum >SHA256SUMS)
SUMS=$(wc -l <"$WORK/SHA256SUMS")

mv "$WORK" "$DEST/$NAME"
trap - EXIT
OUT="$DEST/$NAME"

# --- report -----------------------------------------------------------------------------------------------
OBJ_COUNT=$(VA_OBJ="$OBJ_JSON" node -p 'JSON.parse(process.env.VA_OBJ).objects')
OBJ_BYTES=$(VA_OBJ="$OBJ_JSON" node -p 'JSON.parse(process.env.VA_OBJ).bytes')
OBJ_STORE=$(VA_OBJ="$OBJ_JSON" node -p 'JSON.parse(process.env.VA_OBJ).store')
echo "backup $NAME"
echo "  database    $VA_DATABASE_SHOWN (PostgreSQL ${SERVER_VERSION:-?}${EXTENSIONS:+, $EXTENSIONS})"
echo "              -> database.dump $(va_human_size "$DUMP_BYTES"), $TABLES tables, $ROWS rows (tables.tsv)"
va_print_counts "$OUT/tables.tsv"
if [[ -n "$RECORDINGS" ]]; then
  echo "  recordings  $REC_SRC -> recordings/ $REC_FILES files, $(va_human_size "$REC_BYTES")"
else
  echo "  recordings  skipped (--no-recordings)"
fi
if [[ -n "$OBJECTS" ]]; then
  echo "  objects     $OBJ_STORE -> objects/ $OBJ_COUNT objects, $(va_human_size "$OBJ_BYTES")"
else
  echo "  objects     skipped (--no-objects)"
fi
echo "  checksums   SHA256SUMS ($SUMS files), manifest.json"
echo "  total       $(va_human_size "$(du -sb "$OUT" | cut -f1)")"

if [[ -n "$KEEP" ]]; then
  mapfile -t OLD < <(find "$DEST" -mindepth 1 -maxdepth 1 -type d -name 'video-agent-[0-9]*T[0-9]*Z' -printf '%f\n' | sort -r | tail -n +"$((KEEP + 1))")
  for old in "${OLD[@]}"; do
    rm -rf "${DEST:?}/$old"
    echo "  removed     $old (--keep $KEEP)"
  done
fi
echo "backup: $OUT"
