#!/bin/sh
# Writes a random value for every secret of deploy/docker-compose.yml into this folder, keeping any file
# that already exists (run it again after adding a secret). The database and Redis passwords are set when
# their volumes are first created: to rotate one, change it in the running service too and delete both its
# files (password and URL) before running this again. The RunPod key is yours:
#   printf '%s\n' "$RUNPOD_API_KEY" > deploy/secrets/runpod_api_key
# Needs openssl.
set -eu
cd "$(dirname "$0")"
umask 022   # 0644: the containers read them as uid 10001; the folder itself is 0700
chmod 700 .
rand() { openssl rand -hex "$1"; }
put() {  # put NAME VALUE: only when missing
  if [ -s "$1" ]; then echo "kept    $1"; else printf '%s\n' "$2" > "$1"; echo "written $1"; fi
}
put postgres_password "$(rand 24)"
put database_url "postgres://video_agent:$(cat postgres_password)@timescaledb:5432/video_agent"
put redis_password "$(rand 24)"
put redis_url "redis://:$(cat redis_password)@redis:6379/0"
put minio_root_user "root-$(rand 6)"
put minio_root_password "$(rand 24)"
put s3_access_key_id "va$(rand 9)"
put s3_secret_access_key "$(rand 24)"
put video_agent_api_key "$(rand 24)"
put webhook_secret "$(rand 32)"
put grafana_admin_password "$(rand 16)"
[ -s runpod_api_key ] || echo "missing: runpod_api_key (write your RunPod API key into $(pwd)/runpod_api_key)" >&2
