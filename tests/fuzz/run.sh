#!/usr/bin/env bash
# Runs every libFuzzer harness of tests/fuzz for a bounded time, one after the other.
#
#   bash tests/fuzz/run.sh BUILD_DIR SECONDS [HARNESS ...]     (make fuzz FUZZ_SECONDS=60)
#
# Each harness starts from its seed corpus (tests/fuzz/corpus/<name>, read only) plus a work
# corpus kept in BUILD_DIR/fuzz-work/<name> (new inputs go there, so the seeds in git stay
# small and a later run locally picks up where the last stopped). A crash, sanitizer report,
# leak, timeout (-timeout) or out-of-memory (-rss_limit_mb) is written to
# BUILD_DIR/fuzz-artifacts/<name>/ and fails the run. Prints, per harness, the executions
# (libFuzzer's stat::number_of_executed_units) and executions per second; the last line is
# "fuzz: N harnesses clean, M with findings" (worded so that CI's test-count line, printed
# by the test runner before, stays the one that counts).
set -u
build=${1:?usage: run.sh BUILD_DIR SECONDS [HARNESS ...]}
secs=${2:?usage: run.sh BUILD_DIR SECONDS [HARNESS ...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(csv config image resolve)
# Leaks are findings too; the sanitizers stop at the first report (built with
# -fno-sanitize-recover=all).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

clean=0
bad=0
summary=()
for h in "${harnesses[@]}"; do
  exe="$build/tests/fuzz/fuzz_$h"
  if [ ! -x "$exe" ]; then
    echo "fuzz: $exe not built" >&2
    bad=$((bad + 1)); summary+=("$h: not built"); continue
  fi
  work="$build/fuzz-work/$h"
  art="$build/fuzz-artifacts/$h/"
  mkdir -p "$work" "$art"
  dict=()
  [ -f "$here/$h.dict" ] && dict=("-dict=$here/$h.dict")
  log="$build/fuzz-artifacts/$h.log"
  echo "fuzz: $h for ${secs}s (log: $log)"
  # -rss_limit_mb: the image limits allow a 64-Mpixel image (~1.3 GB decoded), see fuzz_image.c.
  "$exe" -max_total_time="$secs" -print_final_stats=1 -timeout=30 -rss_limit_mb=4096 \
    -artifact_prefix="$art" "${dict[@]}" "$work" "$here/corpus/$h" >"$log" 2>&1
  rc=$?
  units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  line="$h: ${units:-?} executions, ${rate:-?}/s"
  if [ "$rc" -ne 0 ]; then
    bad=$((bad + 1))
    line="$line — FINDING (exit $rc), input in $art"
    echo "---- $h: last lines of $log" >&2
    grep -E "ERROR|SUMMARY|runtime error|fuzz_[a-z]+:|Test unit written" "$log" | head -20 >&2
  else
    clean=$((clean + 1))
  fi
  summary+=("$line")
done
printf '  %s\n' "${summary[@]}"
echo "fuzz: $clean harnesses clean, $bad with findings"
[ "$bad" -eq 0 ]
