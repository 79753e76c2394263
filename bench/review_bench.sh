#!/usr/bin/env bash
# Review server benchmark: 100,000 stored items, wrk at 50 connections against
# GET /api/queue and the item view; prints p50/p99 latency, requests/s and
# server RSS for the API on cpprestsdk's listener (before issue 15) and on the
# Beast transport (after), then the issue's attacks on each (review_attack.py;
# AASR_BENCH_ATTACK=0 skips them: about 50 s per server).
# Targets (issue 3): p99 < 50 ms, RSS < 100 MB. Figures, not a test.
# Usage: bench/review_bench.sh [BUILD_DIR]   (make bench runs it)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BOT="$BUILD/bot/cli/aasr-bot"
N=${AASR_BENCH_ITEMS:-100000}
DURATION=${AASR_BENCH_SECONDS:-10}
export AASR_BENCH_ITEMS=$N
WORK=$(mktemp -d /tmp/aasr-review-bench.XXXXXX)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${AASR_BENCH_DB:-}" ] && [ -f "$AASR_BENCH_DB" ]; then
  cp "$AASR_BENCH_DB" "$WORK/aasr.db"   # a database seeded earlier (same N)
else
  "$BUILD/bench/review_bench_seed" "$WORK/aasr.db" "$N"
fi
echo "bench-password-123" | "$BOT" users add bench --role moderator --db "$WORK/aasr.db" >/dev/null
PORT=${AASR_BENCH_PORT:-18399}
URL="http://127.0.0.1:$PORT"
ATTACK=${AASR_BENCH_ATTACK:-1}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# wrk prints "50%  1.23ms"; normalise us/ms/s to milliseconds.
pct() {
  awk -v p="$1" '$1 == p {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v }' "$2"
}

# One transport: "cpprest" (the API on cpprestsdk's listener, as before
# issue 15) or "beast" (aasr-bot serve). Same database, same port, one at a time.
phase() {
  local impl=$1
  if [ "$impl" = beast ]; then
    "$BOT" serve --db "$WORK/aasr.db" --rules "$ROOT/tests/review/fixtures/rules" --listen "$URL" \
      > "$WORK/server-$impl.log" 2>&1 &
  else
    "$BUILD/bench/review_bench_cpprest" "$WORK/aasr.db" "$ROOT/tests/review/fixtures/rules" "$URL" \
      > "$WORK/server-$impl.log" 2>&1 &
  fi
  SERVER=$!
  for _ in $(seq 100); do curl -s -o /dev/null "$URL/api/session" 2>/dev/null && break; sleep 0.1; done
  COOKIE=$(curl -fs -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"user":"bench","password":"bench-password-123"}' "$URL/api/login" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p')
  [ -n "$COOKIE" ] || { echo "login failed ($impl)"; cat "$WORK/server-$impl.log"; exit 1; }
  wrk -t2 -c50 -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$URL/api/queue" > "$WORK/queue-$impl.txt"
  wrk -t2 -c50 -d"${DURATION}s" --latency -H "Cookie: $COOKIE" -s "$ROOT/bench/review_item.lua" "$URL" \
    > "$WORK/item-$impl.txt"
  for name in queue item; do
    local f="$WORK/$name-$impl.txt"
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$f")
    [ -n "$non2xx" ] && echo "warning: $non2xx non-2xx responses on $name ($impl)"
    printf '%-8s %-22s %10s %10s %12s\n' "$impl" \
      "$([ $name = queue ] && echo 'GET /api/queue' || echo 'GET /api/items/{id}')" \
      "$(pct 50% "$f")" "$(pct 99% "$f")" "$(awk '/^Requests\/sec/ {print $2}' "$f")"
  done
  echo "$(mb "$(rss_kb)") $(mb "$(hwm_kb)")" > "$WORK/rss-$impl.txt"
  if [ "$ATTACK" = 1 ]; then
    python3 "$ROOT/bench/review_attack.py" "$PORT" "$SERVER" > "$WORK/attack-$impl.txt" || echo '{}' > "$WORK/attack-$impl.txt"
  else
    echo '{}' > "$WORK/attack-$impl.txt"
  fi
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
  SERVER=""
}

echo "review_bench: $N items, wrk -t2 -c50 -d${DURATION}s, cpprestsdk (before) then Beast (after)"
printf '%-8s %-22s %10s %10s %12s\n' server endpoint p50_ms p99_ms requests/s
phase cpprest
phase beast
for impl in cpprest beast; do
  read -r rss hwm < "$WORK/rss-$impl.txt"
  echo "$impl: server RSS after wrk $rss MB, peak $hwm MB"
  [ "$ATTACK" = 1 ] && echo "$impl attacks: $(cat "$WORK/attack-$impl.txt")"
done
json() {
  local impl=$1 rss hwm
  read -r rss hwm < "$WORK/rss-$impl.txt"
  printf '{"queue_p50_ms":%s,"queue_p99_ms":%s,"queue_rps":%s,"item_p50_ms":%s,"item_p99_ms":%s,"item_rps":%s,"rss_mb":%s,"rss_peak_mb":%s,"attacks":%s}' \
    "$(pct 50% "$WORK/queue-$impl.txt")" "$(pct 99% "$WORK/queue-$impl.txt")" \
    "$(awk '/^Requests\/sec/ {print $2}' "$WORK/queue-$impl.txt")" \
    "$(pct 50% "$WORK/item-$impl.txt")" "$(pct 99% "$WORK/item-$impl.txt")" \
    "$(awk '/^Requests\/sec/ {print $2}' "$WORK/item-$impl.txt")" "$rss" "$hwm" "$(cat "$WORK/attack-$impl.txt")"
}
printf '{"items":%d,"before_cpprest":%s,"after_beast":%s}\n' "$N" "$(json cpprest)" "$(json beast)"
