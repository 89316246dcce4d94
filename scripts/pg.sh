#!/usr/bin/env bash
# A private PostgreSQL cluster owned by the project.
#
#   scripts/pg.sh DIR PORT start    initialise DIR on first use, start on 127.0.0.1:PORT
#   scripts/pg.sh DIR PORT stop     stop it (no-op when not running)
#   scripts/pg.sh DIR PORT url      print its URL
#   scripts/pg.sh DIR PORT psql ... run psql against its postgres database
#
# PGBIN overrides where the server binaries are (default: newest
# /usr/lib/postgresql/*/bin). PostgreSQL refuses to run as root, so as root
# its binaries run as the unprivileged user "postgres".
set -euo pipefail
DIR=$(realpath -m "$1"); PORT=$2; CMD=$3
DATA=$DIR/data
SOCK=$DIR/sock

find_pgbin() {
  if [ -n "${PGBIN:-}" ]; then echo "$PGBIN"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "pg.sh: PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 || {
      apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ]; then echo "$d"; return; fi
  fi
  echo "pg.sh: PostgreSQL server binaries not found. Install them with 'sudo apt-get install postgresql'" >&2
  echo "       or set PGBIN to the directory holding initdb and pg_ctl, or set DATABASE_URL to use your own server." >&2
  exit 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$CMD" in
start)
  PGBIN=$(find_pgbin)
  mkdir -p "$DATA" "$SOCK"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$DIR"; fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_pg "$PGBIN/initdb" -D "$DATA" --auth=trust -U postgres -E UTF8 --no-locale ${PG_INITDB_FLAGS:-} >/dev/null
  fi
  if as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "pg.sh: PostgreSQL already running in $DIR" >&2
  else
    # Extra server flags (e.g. fsync=off for throwaway test clusters) come from PG_SERVER_FLAGS.
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 \
      -o "-k $SOCK -p $PORT -c listen_addresses=127.0.0.1 -c max_connections=300 -c timezone=UTC ${PG_SERVER_FLAGS:-}" start >/dev/null \
      || { echo "pg.sh: PostgreSQL failed to start; last lines of $DIR/postgres.log:" >&2; tail -n 20 "$DIR/postgres.log" >&2; exit 1; }
  fi
  ;;
stop)
  if [ -f "$DATA/postmaster.pid" ]; then
    PGBIN=$(find_pgbin)
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
  fi
  ;;
url)
  echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
  ;;
psql)
  PGBIN=$(find_pgbin)
  shift 3
  "$PGBIN/psql" "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable" "$@"
  ;;
*) echo "usage: $0 DIR PORT start|stop|url|psql" >&2; exit 2 ;;
esac
