# shellcheck shell=bash
# Shared by scripts/backup.sh and scripts/restore.sh (sourced, not run).
#
# The database URL comes from DATABASE_URL or from the file named by DATABASE_URL_FILE (Docker secrets; the
# same rule as src/config/secret-env.ts: both set is an error, trailing newlines are trimmed). It is never
# put on a command line (other users see argv in `ps`) and never printed: it is split into libpq's PG*
# variables, which only pg_dump/pg_restore/psql (children of this shell) see.

va_die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# PG_BIN: a folder with the client tools of the server's major version (pg_dump refuses newer servers),
# e.g. /usr/lib/postgresql/16/bin; searched before PATH.
if [[ -n "${PG_BIN:-}" ]]; then PATH="$PG_BIN:$PATH"; fi

va_need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || va_die "$tool not found: install it (Debian/Ubuntu: apt-get install postgresql-client)"
  done
}

# Reads the URL (never echoing it) into VA_DATABASE_URL.
va_read_database_url() {
  if [[ -n "${DATABASE_URL:-}" && -n "${DATABASE_URL_FILE:-}" ]]; then
    va_die "both DATABASE_URL and DATABASE_URL_FILE are set: set only one of them"
  fi
  if [[ -n "${DATABASE_URL_FILE:-}" ]]; then
    [[ -r "$DATABASE_URL_FILE" && -f "$DATABASE_URL_FILE" ]] || va_die "cannot read DATABASE_URL_FILE ($DATABASE_URL_FILE)"
    VA_DATABASE_URL=$(<"$DATABASE_URL_FILE")
    VA_DATABASE_URL=${VA_DATABASE_URL%%$'\n'*}
    VA_DATABASE_URL=${VA_DATABASE_URL%$'\r'}
    [[ -n "$VA_DATABASE_URL" ]] || va_die "DATABASE_URL_FILE ($DATABASE_URL_FILE) is empty"
  elif [[ -n "${DATABASE_URL:-}" ]]; then
    VA_DATABASE_URL=$DATABASE_URL
  else
    va_die "no database: set DATABASE_URL or DATABASE_URL_FILE (postgres://user@host:port/db). The embedded database (<data-dir>/pglite) is backed up by stopping video-agent and copying that folder"
  fi
}

# Exports PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (and PGSSLMODE… from the query string) from
# VA_DATABASE_URL, and sets VA_DATABASE_SHOWN to the URL without its password, for messages.
va_export_pg_env() {
  local line name value ok=
  unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY PGCONNECT_TIMEOUT PGAPPNAME PGOPTIONS PGSERVICE
  # Node parses (WHATWG URL, percent-decoding); the URL goes in through the environment, out NUL-separated,
  # ending with VA_OK so a failed parse is noticed.
  while IFS= read -r -d '' line; do
    name=${line%%=*}
    value=${line#*=}
    case "$name" in
      VA_OK) ok=1 ;;
      VA_DATABASE_SHOWN) VA_DATABASE_SHOWN=$value ;;
      *) export "$name=$value" ;;
    esac
  done < <(VA_URL="$VA_DATABASE_URL" node -e '
    const out = [];
    let u;
    try { u = new URL(process.env.VA_URL); } catch { process.stderr.write("the database URL is not a valid URL\n"); process.exit(1); }
    if (!/^postgres(ql)?:$/.test(u.protocol)) { process.stderr.write(`the database URL must start with postgres:// (got ${u.protocol}//)\n`); process.exit(1); }
    const d = (s) => decodeURIComponent(s);
    if (u.hostname) out.push(["PGHOST", d(u.hostname.replace(/^\[|\]$/g, ""))]);
    if (u.port) out.push(["PGPORT", u.port]);
    if (u.username) out.push(["PGUSER", d(u.username)]);
    if (u.password) out.push(["PGPASSWORD", d(u.password)]);
    const db = d(u.pathname.replace(/^\//, ""));
    if (db) out.push(["PGDATABASE", db]);
    const q = { sslmode: "PGSSLMODE", sslrootcert: "PGSSLROOTCERT", sslcert: "PGSSLCERT", sslkey: "PGSSLKEY", host: "PGHOST", port: "PGPORT", user: "PGUSER", dbname: "PGDATABASE", connect_timeout: "PGCONNECT_TIMEOUT", password: "PGPASSWORD", application_name: "PGAPPNAME", options: "PGOPTIONS" };
    for (const [k, v] of u.searchParams) if (q[k]) out.push([q[k], v]); else { process.stderr.write(`unsupported database URL parameter ${k}\n`); process.exit(1); }
    const shown = `${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}${u.pathname}`;
    out.push(["VA_DATABASE_SHOWN", shown], ["VA_OK", "1"]);
    process.stdout.write(out.map(([k, v]) => `${k}=${v}\0`).join(""));
  ')
  [[ -n "$ok" ]] || va_die "bad database URL (it is not shown here)"
  : "${PGDATABASE:?the database URL names no database (postgres://user@host:port/DB)}"
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
}

# Exact row counts of every table outside the system schemas, as "schema.table<TAB>rows" lines, sorted.
va_table_counts() {
  psql -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -c "
    SELECT table_schema || '.' || table_name,
           (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
      FROM information_schema.tables
     WHERE table_type = 'BASE TABLE'
       AND table_schema NOT IN ('pg_catalog', 'information_schema')
       AND table_schema NOT LIKE '\_timescaledb%' AND table_schema NOT IN ('timescaledb_information', 'timescaledb_experimental', 'toolkit_experimental')
     ORDER BY 1"
}

va_human_size() {
  numfmt --to=iec-i --suffix=B "$1" 2>/dev/null || echo "${1} B"
}

# Total bytes and file count under a folder ("0 0" when absent).
va_tree_size() {
  if [[ -d "$1" ]]; then
    echo "$(find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}') $(find "$1" -type f | wc -l)"
  else
    echo "0 0"
  fi
}

# "table rows · table rows …" from a tables.tsv, wrapped and indented (public. dropped).
va_print_counts() {
  awk -F'\t' '{ sub(/^public\./, "", $1); item = $1 " " $2
         if (line != "" && length(line) + length(item) > 104) { print line; line = "" }
         line = (line == "" ? "              " item : line " · " item) }
       END { if (line != "") print line }' "$1"
}
