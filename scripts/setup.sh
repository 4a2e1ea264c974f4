#!/usr/bin/env bash
# Idempotent setup for video-agent on Debian/Ubuntu: system packages, services, the tests' database and
# access, npm deps, native addon, TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- PostgreSQL for the tests -------------------------------------------------------------------
# The tests connect as postgres@127.0.0.1:$PGPORT/test without a password (test/helpers/services.ts,
# TEST_DATABASE_URL). A stock Debian cluster has peer auth on the socket and scram-sha-256 on TCP, so:
# create the database if it is missing and, only when that connection is still refused, insert one marked
# 127.0.0.1-only trust line for that database and user at the top of pg_hba.conf, then reload. Nothing is
# changed where the tests already connect. Administration goes through the local socket as the postgres
# OS user (peer). PGHOST (socket dir) and PGPORT pick another cluster (test/store/setup-postgres.test.ts).
PG_MARK="# video-agent tests (scripts/setup.sh): postgres@127.0.0.1 to database test without a password"
setup_postgres() {
  local port="${PGPORT:-5432}" sock="${PGHOST:-/var/run/postgresql}"
  as_pg() {
    if [ "$(id -un)" = postgres ]; then "$@"
    elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
    else sudo -u postgres -- "$@"
    fi
  }
  pg_admin() { (cd /tmp && as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -d postgres -At "$@"); }
  tests_connect() { psql -X -w -h 127.0.0.1 -p "$port" -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; }
  if ! command -v psql >/dev/null 2>&1; then echo "psql not found: apt-get install postgresql-client" >&2; return 1; fi
  if tests_connect; then log "PostgreSQL: the tests connect as postgres@127.0.0.1:$port/test; nothing changed"; return 0; fi
  if ! pg_admin -c 'select 1' >/dev/null; then
    echo "cannot administer PostgreSQL through $sock (port $port) as the postgres OS user (peer auth); create database test and allow postgres@127.0.0.1 by hand" >&2
    return 1
  fi
  if [ "$(pg_admin -c "select count(*) from pg_database where datname = 'test'")" = 0 ]; then
    pg_admin -c 'CREATE DATABASE test'
    log "PostgreSQL: created database test"
  fi
  if tests_connect; then return 0; fi
  local hba
  hba=$(pg_admin -c 'SHOW hba_file')
  if ! grep -qxF "$PG_MARK" "$hba"; then
    local tmp="$hba.video-agent.tmp"
    # First match wins in pg_hba.conf: the line goes before every existing rule.
    awk -v mark="$PG_MARK" 'BEGIN { done = 0 } !done && $0 !~ /^[[:space:]]*(#|$)/ { print mark; print "host    test    postgres    127.0.0.1/32    trust"; done = 1 } { print } END { if (!done) { print mark; print "host    test    postgres    127.0.0.1/32    trust" } }' "$hba" > "$tmp"
    chown --reference="$hba" "$tmp" 2>/dev/null || true
    chmod --reference="$hba" "$tmp"
    mv "$tmp" "$hba"
    log "PostgreSQL: added to $hba: 'host test postgres 127.0.0.1/32 trust' (marked '$PG_MARK')"
  fi
  pg_admin -c 'select pg_reload_conf()' >/dev/null
  log "PostgreSQL: configuration reloaded"
  if ! tests_connect; then
    echo "PostgreSQL: the tests still cannot connect as postgres@127.0.0.1:$port/test; check $hba" >&2
    return 1
  fi
}

# `scripts/setup.sh --postgres-only`: just this part (no packages, npm or build).
if [ "${1:-}" = "--postgres-only" ]; then
  setup_postgres
  exit $?
fi


# --- Node >= 20 -------------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js >= 20 is required. Install it, e.g.: apt-get install nodejs npm (Debian 13) or https://nodejs.org / nvm" >&2
  exit 1
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "Node.js >= 20 is required (found $(node --version)). Upgrade with nvm (nvm install 20) or NodeSource." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- Debian packages ----------------------------------------------------------------------------
PKGS=(
  # GStreamer runtime + dev headers for the native addon
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-rtsp gstreamer1.0-nice
  libgstrtspserver-1.0-dev gir1.2-gst-rtsp-server-1.0 python3-gi python3-gst-1.0
  pkg-config cmake g++ make
  # speech synthesis and local ASR
  flite pocketsphinx pocketsphinx-en-us sox
  # real test media shipped by Debian
  python3-skimage opencv-doc pocketsphinx-testdata
  # python handler tests
  python3-pytest python3-numpy python3-pil python3-jsonschema
  # services
  postgresql redis-server
  # the browser the dashboard/report tests drive (playwright-core, executablePath /usr/bin/chromium)
  chromium
  # deploy/ checks without a Docker engine: `docker-compose config`, promtool rules and a real Prometheus,
  # `caddy adapt` on the proxy's Caddyfile, openssl for the TLS test's certificate
  docker-compose prometheus caddy openssl
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's prometheus and caddy packages start servers (:9090, :80) where systemd runs; the tests only
  # need the binaries (each test starts its own on a free port), so a service this script just installed
  # is stopped and disabled again.
  for svc in prometheus caddy; do
    if [[ " ${missing[*]} " == *" $svc "* ]] && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 && log "stopped and disabled the $svc service its package started (tests run their own)"
    fi
  done
else
  log "Debian packages present"
fi

# --- services (no systemd on CI/containers) -------------------------------------------------------
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  log "starting PostgreSQL"
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  log "starting Redis"
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
fi
# A failure here is reported and the rest (npm, build) still runs. A child process, so that `set -e` still
# stops that step at its first failing command (bash ignores -e inside a function called with ||).
bash scripts/setup.sh --postgres-only || log "warning: the tests cannot reach PostgreSQL yet (see above)"

# --- npm + native addon + TypeScript -----------------------------------------------------------
log "npm ci"
# onnxruntime-node's install script fetches GPU libraries from the internet and fails offline; its CPU
# binary is in the npm tarball, which is all the local VAD needs.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
log "building native addon (cmake-js)"
npm run --silent build:native
log "building TypeScript"
npm run --silent build:ts
log "done"
