#!/usr/bin/env bash
# Data lifecycle figures (issue 15 §4 and its "Done when"), from the real
# binary on a scratch database; figures, not a test (tests/store asserts the
# behaviour). Prints one JSON line:
#   - ingest_comments_per_s: `queue ingest` of N comments (default 10,000:
#     rules/corpus/tune texts cycled with fresh ids, 18% of them items
#     written to be flagged, as the issue's 82% that pass) into an empty
#     database with the shipped rules, wall time of the command;
#   - backup_s, backup_comments, ingest_running_after_backup: `db backup`
#     started once a second N-comment `queue ingest` has stored its first
#     batch: its wall time, how many comments its snapshot holds, and
#     whether the burst was still going when the backup ended (false: the
#     burst ended first, the figure is not "during");
#   - bytes_per_comment_before / _after: the compacted size (a backup is
#     VACUUM INTO) of the first database over N, then again after every
#     comment is aged 40 days and `db prune` runs with allowed_comments_days
#     and flagged_days 30 (open items are never pruned, so the flagged share
#     keeps its text until a moderator decides it).
# The "before" ingest rate, one commit per comment, is the issue's own
# 2,450-2,960 comments/s: this build has no per-comment mode to re-run.
# Usage: bench/lifecycle_bench.sh [BUILD_DIR]   (env AASR_BENCH_COMMENTS, AASR_BENCH_RULES)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BOT="$BUILD/bot/cli/aasr-bot"
[ -x "$BOT" ] || BOT="$BUILD/aasr-bot"
N=${AASR_BENCH_COMMENTS:-10000}
RULES=${AASR_BENCH_RULES:-$ROOT/rules}  # tests/review/fixtures/rules: the store's cost without the screening
WORK=$(mktemp -d /tmp/aasr-lifecycle-bench.XXXXXX)
INGEST=""
cleanup() {
  [ -n "$INGEST" ] && kill "$INGEST" 2>/dev/null && wait "$INGEST" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 - "$ROOT/rules/corpus/tune" "$N" >"$WORK/comments.jsonl" <<'PY'
import glob, json, sys
items = [json.loads(l) for f in sorted(glob.glob(sys.argv[1] + "/*.jsonl")) for l in open(f) if l.strip()]
kept = {"pass": [c for c in items if c.get("expect") == "pass"], "flag": [c for c in items if c.get("expect") == "flag"]}
n, counts = int(sys.argv[2]), {"pass": 0, "flag": 0}
for i in range(n):
    kind = "flag" if i % 50 < 9 else "pass"  # 18% written to be flagged, as the issue's 82% that pass
    c = kept[kind][counts[kind] % len(kept[kind])]
    counts[kind] += 1
    a = c.get("author", {})
    print(json.dumps({"id": f"bench-{i}", "text": c["text"],
                      "author": {"id": f"u{i % 997}", "handle": f"user{i % 997}",
                                 "account_age_days": a.get("account_age_days", 400), "followers": a.get("followers", 50)}}))
PY
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
count() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM comments").fetchone()[0])' "$1"; }

# 1. Ingest rate.
DB=$WORK/a/aasr.db
t0=$(now)
"$BOT" queue ingest --db "$DB" --rules "$RULES" --platform facebook <"$WORK/comments.jsonl" >"$WORK/ingest.log"
t1=$(now)
INGEST_S=$(secs "$t0" "$t1")
RATE=$(awk -v n="$N" -v s="$INGEST_S" 'BEGIN { printf "%.0f", n / s }')

# 2. A backup during a burst.
DB2=$WORK/b/aasr.db
"$BOT" queue ingest --db "$DB2" --rules "$RULES" --platform facebook <"$WORK/comments.jsonl" >"$WORK/burst.log" &
INGEST=$!
# Started once the burst is storing (its first batch is in), not on a timer:
# loading the rules takes a while on a busy machine.
for _ in $(seq 600); do
  [ -f "$DB2" ] && [ "$(count "$DB2" 2>/dev/null || echo 0)" -gt 0 ] && break
  kill -0 "$INGEST" 2>/dev/null || break
  sleep 0.05
done
t0=$(now)
"$BOT" db backup --db "$DB2" "$WORK/burst-backup.db" >"$WORK/backup.log"
t1=$(now)
BACKUP_S=$(secs "$t0" "$t1")
RUNNING=false
kill -0 "$INGEST" 2>/dev/null && RUNNING=true
wait "$INGEST"
INGEST=""
BACKUP_N=$(count "$WORK/burst-backup.db")

# 3. Bytes per comment, compacted, before and after retention.
"$BOT" db backup --db "$DB" "$WORK/before.db" >/dev/null
BEFORE=$(awk -v b="$(stat -c %s "$WORK/before.db")" -v n="$N" 'BEGIN { printf "%.0f", b / n }')
python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
age = 40 * 86400000
db.execute("UPDATE comments SET received_ms = received_ms - ?", (age,))
db.commit()
PY
cat >"$WORK/prune.yaml" <<YAML
database: $DB
retention: {allowed_comments_days: 30, flagged_days: 30}
accounts:
  - {name: local, platform: local, dir: $WORK}
YAML
"$BOT" db prune --config "$WORK/prune.yaml" >"$WORK/prune.log"
"$BOT" db backup --db "$DB" "$WORK/after.db" >/dev/null
AFTER=$(awk -v b="$(stat -c %s "$WORK/after.db")" -v n="$N" 'BEGIN { printf "%.0f", b / n }')

echo "lifecycle_bench: $N comments; $(tail -1 "$WORK/ingest.log"); prune: $(tail -1 "$WORK/prune.log")"
printf '{"bench":"lifecycle","comments":%d,"ingest_s":%s,"ingest_comments_per_s":%s,"backup_s":%s,"backup_comments":%s,"ingest_running_after_backup":%s,"bytes_per_comment_before":%s,"bytes_per_comment_after":%s}\n' \
  "$N" "$INGEST_S" "$RATE" "$BACKUP_S" "$BACKUP_N" "$RUNNING" "$BEFORE" "$AFTER"
