#!/usr/bin/env bash
# Starts the AT Protocol test network for the Bluesky adapter tests.
#
#   tests/atproto/start.sh STATE_DIR
#
# 1. npm ci of the pinned @atproto/dev-env into STATE_DIR/npm (once per
#    package-lock.json; ~2 minutes, better-sqlite3 compiles from source).
# 2. PostgreSQL from Debian as the `postgres` user (initdb refuses root) on a
#    free loopback port, data directory STATE_DIR/pgdata.
# 3. node testnet.mjs, waiting until STATE_DIR/testnet.json appears.
# Exits non-zero with the reason (and the log's tail) when anything fails:
# the tests that need the network then fail, naming that reason.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
STATE_DIR="$(mkdir -p "${1:?usage: start.sh STATE_DIR}" && cd "$1" && pwd)"
STATE="$STATE_DIR/testnet.json"
LOG="$STATE_DIR/testnet.log"
PGLOG="$STATE_DIR/postgres.log"

fail() { echo "atproto testnet: $*" >&2; echo "$*" > "$STATE_DIR/failure.txt"; exit 1; }
rm -f "$STATE_DIR/failure.txt"

# Already running (a previous start whose stop did not run)? Reuse it.
if [ -f "$STATE" ] && kill -0 "$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$STATE")" 2>/dev/null; then
  echo "atproto testnet: already running: $(cat "$STATE")"
  exit 0
fi
rm -f "$STATE"

command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh installs nodejs)"
command -v npm >/dev/null || fail "npm is not installed (it comes with nodejs >= 20)"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 20 ] || fail "node $(node --version) is too old: @atproto/dev-env 0.3.215 needs Node >= 20"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PGBIN/initdb" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql (install postgresql)"

# 1. npm ci, only when the lock file changed.
NPM_DIR="$STATE_DIR/npm"
mkdir -p "$NPM_DIR"
if ! cmp -s "$HERE/package-lock.json" "$NPM_DIR/package-lock.json" || [ ! -d "$NPM_DIR/node_modules/@atproto/dev-env" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
  echo "atproto testnet: npm ci (about 2 minutes the first time)"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund >"$STATE_DIR/npm.log" 2>&1) \
    || fail "npm ci failed; see $STATE_DIR/npm.log: $(tail -5 "$STATE_DIR/npm.log" | tr '\n' ' ')"
fi
cp "$HERE/testnet.mjs" "$NPM_DIR/testnet.mjs"

# 2. PostgreSQL as the postgres user, loopback only.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PGDATA="$STATE_DIR/pgdata"
PGSOCK="$STATE_DIR/pgsock"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "no postgres user (install postgresql)"
  # postgres must be able to reach the data directory through the build tree.
  d="$STATE_DIR"; while [ "$d" != "/" ]; do chmod o+x "$d" 2>/dev/null || true; d="$(dirname "$d")"; done
fi
mkdir -p "$PGSOCK"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGSOCK" "$STATE_DIR"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust >"$STATE_DIR/initdb.log" 2>&1 \
    || fail "initdb failed; see $STATE_DIR/initdb.log: $(tail -3 "$STATE_DIR/initdb.log" | tr '\n' ' ')"
fi
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" stop -m fast >/dev/null 2>&1 || true
PGPORT="$(free_port)"
# Every daemon gets its own stdin/stdout/stderr: ctest waits for whoever
# still holds its output pipe, so nothing may inherit it.
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 30 \
  -o "-p $PGPORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start \
  </dev/null >/dev/null 2>&1 \
  || fail "PostgreSQL did not start; see $PGLOG: $(tail -3 "$PGLOG" 2>/dev/null | tr '\n' ' ')"
echo "$PGPORT" > "$STATE_DIR/pgport"

# 3. The network.
export DB_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
export REDIS_HOST="${REDIS_HOST:-unused-by-tests}"
export LOG_ENABLED=false
(cd "$NPM_DIR" && exec setsid node testnet.mjs "$STATE") </dev/null >"$LOG" 2>&1 &
for _ in $(seq 1 240); do
  [ -f "$STATE" ] && { echo "atproto testnet: ready: $(cat "$STATE")"; exit 0; }
  sleep 0.5
  if ! pgrep -f "testnet.mjs $STATE" >/dev/null; then
    fail "node testnet.mjs exited; see $LOG: $(tail -5 "$LOG" | tr '\n' ' ')"
  fi
done
fail "the network did not become ready within 120 s; see $LOG"
