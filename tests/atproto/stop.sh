#!/usr/bin/env bash
# Stops what start.sh started: the node network (by the pid it recorded) and PostgreSQL.
#   tests/atproto/stop.sh STATE_DIR
set -uo pipefail
STATE_DIR="${1:?usage: stop.sh STATE_DIR}"
STATE="$STATE_DIR/testnet.json"
if [ -f "$STATE" ]; then
  pid="$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$STATE")"
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$STATE"
fi
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -f "$STATE_DIR/pgdata/postmaster.pid" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STATE_DIR/pgdata" stop -m fast >/dev/null 2>&1
  else
    "$PGBIN/pg_ctl" -D "$STATE_DIR/pgdata" stop -m fast >/dev/null 2>&1
  fi
fi
exit 0
