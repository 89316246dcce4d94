#!/usr/bin/env bash
# `make run`: the whole product on this machine.
#  - DATABASE_URL unset: a private PostgreSQL cluster in .data/postgres (kept
#    across runs) on DEV_PGPORT (default 55432), database "betterplan".
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

echo "run: building"
go build -o "$DATA/bin/" ./cmd/...

"$DATA/bin/api" migrate

"$DATA/bin/api" serve & pids+=($!)

# Stop everything as soon as any process exits.
wait -n "${pids[@]}"
