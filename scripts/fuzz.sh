#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ for a bounded time (`make fuzz`).
#   scripts/fuzz.sh BUILD_DIR [TARGET...]     (default: all of them)
# FUZZ_SECONDS (default 60) per target. Each starts from its checked-in
# corpus (fuzz/corpus/<target>, read only) plus what earlier runs found
# (BUILD_DIR/corpus/<target>, where new inputs go), with its dictionary.
# Fails on any crash, leak, timeout (-timeout, per input) or out-of-memory
# (-rss_limit_mb): libFuzzer exits non-zero and leaves the input in
# BUILD_DIR/artifacts/<target>/; add it to fuzz/corpus/<target>/ with a unit
# test once fixed. Prints executions, coverage and corpus size per target.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [TARGET...]}
shift
seconds=${FUZZ_SECONDS:-60}
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
failed=()
printf '%-17s %8s %10s %7s %8s %s\n' target seconds execs cov corpus result
for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  if [ ! -x "$exe" ]; then echo "$t: $exe not built"; failed+=("$t"); continue; fi
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t" "$build/logs"
  log="$build/logs/$t.log"
  dict=$(dict_of "$t")
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
        -artifact_prefix="$build/artifacts/$t/")
  [ -n "$dict" ] && args+=(-dict="$dict")
  start=$(date +%s)
  "$exe" "${args[@]}" "$build/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)  # inputs libFuzzer keeps
  result=ok
  if [ $rc -ne 0 ]; then result="FAILED (exit $rc, see $log)"; failed+=("$t"); fi
  printf '%-17s %8s %10s %7s %8s %s\n' "$t" "$took" "${execs:-?}" "${cov:-?}" "${corpus:-?}" "$result"
  if [ $rc -ne 0 ]; then grep -m1 -B2 -A25 'ERROR\|FUZZ_CHECK\|runtime error\|Test unit written' "$log" | head -60; fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s), ${seconds} s each, no crash, leak, timeout or OOM"
