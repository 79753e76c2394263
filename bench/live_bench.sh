#!/usr/bin/env bash
# The live channel's cost (issue 11 section 4): 20 open pages long-polling
# GET /api/events (each its own session, as 20 moderators' tabs) for
# AASR_LIVE_SECONDS (default 60) while a comment is ingested every 3 s by
# another process; prints the server's CPU time and RSS, idle first (no page)
# and then with the pages, and how many wake-ups the pages got.
# Figures, not a test. Usage: bench/live_bench.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BOT="$BUILD/bot/cli/aasr-bot"
PAGES=${AASR_LIVE_PAGES:-20}
SECONDS_RUN=${AASR_LIVE_SECONDS:-60}
IDLE=${AASR_LIVE_IDLE_SECONDS:-10}
PORT=${AASR_BENCH_PORT:-18398}
URL="http://127.0.0.1:$PORT"
RULES="$ROOT/tests/review/fixtures/rules"
WORK=$(mktemp -d /tmp/aasr-live-bench.XXXXXX)
SERVER=""
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

DB="$WORK/aasr.db"
for i in $(seq 200); do
  printf '{"remote_id":"seed-%d","text":"You are an idiot, number %d","author":{"handle":"seed%d"}}\n' "$i" "$i" "$i"
done | "$BOT" queue ingest --db "$DB" --rules "$RULES" --platform facebook >/dev/null
echo "bench-password-123" | "$BOT" users add bench --role moderator --db "$DB" >/dev/null
"$BOT" serve --db "$DB" --rules "$RULES" --listen "$URL" > "$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "$URL/" >/dev/null 2>&1 && break; sleep 0.1; done

ticks=$(getconf CLK_TCK)
cpu_s() { awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$SERVER/stat"; }
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER/status"; }
login() {
  curl -fs -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"user":"bench","password":"bench-password-123"}' "$URL/api/login" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p'
}
# One open page: wait for a change, note it, wait again (as js/live.js does).
page() {
  local cookie=$1 n=$2 v="" out
  while :; do
    out=$(curl -s -m 40 -H "Cookie: $cookie" "$URL/api/events${v:+?since=$v}") || { sleep 0.5; continue; }
    v=$(sed -n 's/.*"version":\([0-9]*\).*/\1/p' <<<"$out")
    [ -n "$v" ] || { sleep 0.5; continue; }
    echo >> "$WORK/wakes.$n"
  done
}

COOKIES=()
for i in $(seq "$PAGES"); do COOKIES+=("$(login)"); done
sleep 1
c0=$(cpu_s); sleep "$IDLE"; c1=$(cpu_s)
idle=$(awk -v a="$c0" -v b="$c1" -v s="$IDLE" 'BEGIN { printf "%.2f", 100 * (b - a) / s }')
rss_idle=$(rss_mb)

for i in $(seq "$PAGES"); do page "${COOKIES[$((i - 1))]}" "$i" & PIDS+=($!); done
sleep 1
c2=$(cpu_s)
start=$(date +%s)
k=0
while [ $(( $(date +%s) - start )) -lt "$SECONDS_RUN" ]; do
  k=$((k + 1))
  printf '{"remote_id":"live-%d","text":"what a moron, take %d","author":{"handle":"live%d"}}\n' "$k" "$k" "$k" |
    "$BOT" queue ingest --db "$DB" --rules "$RULES" --platform facebook >/dev/null
  sleep 3
done
c3=$(cpu_s)
elapsed=$(( $(date +%s) - start ))
busy=$(awk -v a="$c2" -v b="$c3" -v s="$elapsed" 'BEGIN { printf "%.2f", 100 * (b - a) / s }')
wakes=$(cat "$WORK"/wakes.* 2>/dev/null | wc -l)
echo "live_bench: $PAGES pages long-polling /api/events for ${elapsed} s, $k comments ingested by another process"
echo "server CPU: ${idle}% of one core idle (no page), ${busy}% with $PAGES pages"
echo "server RSS: ${rss_idle} MB idle, $(rss_mb) MB with $PAGES pages"
echo "wake-ups: $wakes (expected about $PAGES x ($k + 1 + timeouts))"
printf '{"bench":"live","pages":%d,"seconds":%d,"ingested":%d,"cpu_idle_pct":%s,"cpu_pages_pct":%s,"rss_idle_mb":%s,"rss_pages_mb":%s,"wakes":%d}\n' \
  "$PAGES" "$elapsed" "$k" "$idle" "$busy" "$rss_idle" "$(rss_mb)" "$wakes"
