#!/usr/bin/env bash
# Idempotent setup for video-agent on Debian/Ubuntu: system packages, services, npm deps, native addon, TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

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
# tests use database `test` with trust auth on 127.0.0.1
if command -v psql >/dev/null 2>&1; then
  if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    log "creating database test"
    (cd /tmp && $SUDO -u postgres createdb test 2>/dev/null) || (cd /tmp && su postgres -c 'createdb test' 2>/dev/null) || true
  fi
fi

# --- npm + native addon + TypeScript -----------------------------------------------------------
log "npm ci"
npm ci --no-audit --no-fund --loglevel=error
log "building native addon (cmake-js)"
npm run --silent build:native
log "building TypeScript"
npm run --silent build:ts
log "done"
