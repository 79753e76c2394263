#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ for a bounded time (`make fuzz`).
#   scripts/fuzz.sh BUILD_DIR [TARGET...]     (default: all of them)
# FUZZ_SECONDS (default 60) per target; FUZZ_JOBS (default 1) targets at
# once (2 on the 2-core CI machine: libFuzzer's time is wall time, so two
# at once halve the run without shortening any target's). Each starts from
# its checked-in corpus (fuzz/corpus/<target>, read only) plus what earlier
# runs found (BUILD_DIR/corpus/<target>, where new inputs go), with its
# dictionary. Fails on any crash, leak, timeout (-timeout, per input) or
# out-of-memory (-rss_limit_mb): libFuzzer exits non-zero and leaves the
# input in BUILD_DIR/artifacts/<target>/; add it to fuzz/corpus/<target>/
# with a unit test once fixed. Prints per target: wall seconds, executions,
# coverage (cov: edges, ft: features, from libFuzzer's last line), the
# corpus files it started from and libFuzzer's corpus at the end (corp:).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [TARGET...]}
shift
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(rules screen feed html config cron graphics webhook platform_replies review_api local_inbox post_json)
fi
dict_of() {
  case "$1" in
    rules|config|graphics) echo fuzz/dict/yaml.dict ;;
    feed|html) echo fuzz/dict/xml.dict ;;
    cron) echo fuzz/dict/cron.dict ;;
    screen) echo "" ;;
    *) echo fuzz/dict/json.dict ;;
  esac
}
# Leaks are failures; the libraries' own reports are not ours (see the file).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}
mkdir -p "$build/logs"

# One target; its result line goes to $build/logs/<target>.result.
run_one() {
  local t=$1 exe="$build/fuzz/fuzz_$1" log="$build/logs/$1.log" res="$build/logs/$1.result"
  if [ ! -x "$exe" ]; then printf '%-17s %s\n' "$t" "FAILED ($exe not built)" >"$res"; return; fi
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  local dict before start rc took execs cov ft corpus result
  dict=$(dict_of "$t")
  before=$(( $(find "$build/corpus/$t" "fuzz/corpus/$t" -type f | wc -l) ))
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
              -artifact_prefix="$build/artifacts/$t/")
  [ -n "$dict" ] && args+=(-dict="$dict")
  start=$(date +%s)
  "$exe" "${args[@]}" "$build/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  result=ok
  [ $rc -ne 0 ] && result="FAILED (exit $rc, see $log)"
  printf '%-17s %7s %10s %6s %7s %7s %7s %s\n' "$t" "$took" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$before" \
    "${corpus:-?}" "$result" >"$res"
}

for t in "${targets[@]}"; do rm -f "$build/logs/$t.result"; done
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
  run_one "$t" &
  running=$((running + 1))
done
wait

failed=()
printf '%-17s %7s %10s %6s %7s %7s %7s %s\n' target seconds execs cov ft files corp result
for t in "${targets[@]}"; do
  res="$build/logs/$t.result"
  if [ -f "$res" ]; then cat "$res"; else printf '%-17s %s\n' "$t" "FAILED (no result)"; fi
  if [ ! -f "$res" ] || grep -q FAILED "$res"; then
    failed+=("$t")
    grep -m1 -B2 -A25 'ERROR\|FUZZ_CHECK\|runtime error\|Test unit written' "$build/logs/$t.log" 2>/dev/null | head -60
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s), ${seconds} s each, ${jobs} at once, no crash, leak, timeout or OOM"
