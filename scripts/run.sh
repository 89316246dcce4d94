#!/usr/bin/env bash
# `make run`: the whole product on this machine.
#  - DATABASE_URL unset: a private PostgreSQL cluster in .data/postgres (kept
#    across runs) on DEV_PGPORT (default 55432), database "betterplan".
#  - TOKEN_ENCRYPTION_KEY unset: a dev key generated once into .data/.
#  - MEDIA_BUCKET_URL unset: uploaded media in .data/media.
#  - X_CLIENT_ID unset: the offline X sandbox on X_SANDBOX_ADDR (default
#    :3001), and the api and publisher pointed at it.
#  - migrations applied, then the api (and the other processes) started;
#    Ctrl-C or SIGTERM stops them all (and the private cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=.data
DEV_PGPORT=${DEV_PGPORT:-55432}
mkdir -p "$DATA/bin"

pids=()
own_pg=
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$own_pg" ]; then scripts/pg.sh "$DATA/postgres" "$DEV_PGPORT" stop; echo "run: PostgreSQL stopped (data kept in $DATA/postgres)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
  scripts/pg.sh "$DATA/postgres" "$DEV_PGPORT" start
  own_pg=1
  if ! scripts/pg.sh "$DATA/postgres" "$DEV_PGPORT" psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'betterplan'" | grep -q 1; then
    scripts/pg.sh "$DATA/postgres" "$DEV_PGPORT" psql -qc "CREATE DATABASE betterplan"
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$DEV_PGPORT/betterplan?sslmode=disable"
  echo "run: using the project's PostgreSQL at $DATABASE_URL"
fi

if [ -z "${TOKEN_ENCRYPTION_KEY:-}" ]; then
  if [ ! -s "$DATA/token_encryption_key" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 > "$DATA/token_encryption_key")
    echo "run: generated a development TOKEN_ENCRYPTION_KEY in $DATA/token_encryption_key"
  fi
  TOKEN_ENCRYPTION_KEY=$(cat "$DATA/token_encryption_key")
  export TOKEN_ENCRYPTION_KEY
fi

# Uploaded media: a directory next to the database (any S3 bucket in production).
export MEDIA_BUCKET_URL=${MEDIA_BUCKET_URL:-file://$PWD/$DATA/media}
echo "run: media files in $MEDIA_BUCKET_URL"

echo "run: building"
go build -o "$DATA/bin/" ./cmd/...

if [ -z "${X_CLIENT_ID:-}" ]; then
  X_SANDBOX_ADDR=${X_SANDBOX_ADDR:-:3001}
  export X_SANDBOX_ADDR X_CLIENT_ID=sandbox-client-id X_CLIENT_SECRET=sandbox-client-secret
  export X_API_URL="http://localhost:${X_SANDBOX_ADDR##*:}"
  # Links to posts and profiles open the sandbox's pages, not x.com.
  export X_WEB_URL=$X_API_URL
  export X_SANDBOX_STATE=$DATA/xsandbox.json
  echo "run: no X_CLIENT_ID: starting the OFFLINE X SANDBOX at $X_API_URL (posts go nowhere; see $X_API_URL/)"
  "$DATA/bin/xsandbox" & pids+=($!)
fi

"$DATA/bin/api" migrate

"$DATA/bin/api" serve & pids+=($!)
PUBLISHER_ADDR=${PUBLISHER_ADDR:-:3002} "$DATA/bin/publisher" & pids+=($!)

# Stop everything as soon as any process exits.
wait -n "${pids[@]}"
