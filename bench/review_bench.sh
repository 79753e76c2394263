#!/usr/bin/env bash
# Review server benchmark: 100,000 stored items, wrk at 50 connections against
# GET /api/queue and the item view; prints p50/p99 latency and server RSS.
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
"$BOT" serve --db "$WORK/aasr.db" --rules "$ROOT/tests/review/fixtures/rules" --listen "$URL" \
  > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "$URL/" >/dev/null 2>&1 && break; sleep 0.1; done
COOKIE=$(curl -fs -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"user":"bench","password":"bench-password-123"}' "$URL/api/login" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p')
[ -n "$COOKIE" ] || { echo "login failed"; cat "$WORK/server.log"; exit 1; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$SERVER/status"; }
# wrk prints "50%  1.23ms"; normalise us/ms/s to milliseconds.
pct() {
  awk -v p="$1" '$1 == p {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v }' "$2"
}

echo "review_bench: $N items, wrk -t2 -c50 -d${DURATION}s"
printf '%-22s %10s %10s %12s\n' endpoint p50_ms p99_ms requests/s
wrk -t2 -c50 -d"${DURATION}s" --latency -H "Cookie: $COOKIE" "$URL/api/queue" > "$WORK/queue.txt"
wrk -t2 -c50 -d"${DURATION}s" --latency -H "Cookie: $COOKIE" -s "$ROOT/bench/review_item.lua" "$URL" > "$WORK/item.txt"
for name in queue item; do
  rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/$name.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name.txt")
  [ -n "$non2xx" ] && echo "warning: $non2xx non-2xx responses on $name"
  printf '%-22s %10s %10s %12s\n' "$([ $name = queue ] && echo 'GET /api/queue' || echo 'GET /api/items/{id}')" \
    "$(pct 50% "$WORK/$name.txt")" "$(pct 99% "$WORK/$name.txt")" "$rps"
done
RSS=$(rss_kb); HWM=$(hwm_kb)
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "server RSS: $(mb "$RSS") MB now, $(mb "$HWM") MB peak"
printf '{"items":%d,"queue_p50_ms":%s,"queue_p99_ms":%s,"queue_rps":%s,"item_p50_ms":%s,"item_p99_ms":%s,"item_rps":%s,"rss_mb":%.1f,"rss_peak_mb":%.1f}\n' \
  "$N" "$(pct 50% "$WORK/queue.txt")" "$(pct 99% "$WORK/queue.txt")" "$(awk '/^Requests\/sec/ {print $2}' "$WORK/queue.txt")" \
  "$(pct 50% "$WORK/item.txt")" "$(pct 99% "$WORK/item.txt")" "$(awk '/^Requests\/sec/ {print $2}' "$WORK/item.txt")" \
  "$(mb "$RSS")" "$(mb "$HWM")"
