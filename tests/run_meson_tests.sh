#!/usr/bin/env bash
# Runs meson's test suite in build dir $1 and ends with the line "N passed, N failed"
# (meson's own summary uses another format). Exit status: non-zero on any failure.
set -u
build=${1:-build}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# intercept_tls_get_addr=0: GCC 12's sanitizer guesses the size of a dlopen()ed module's TLS
# block by reading a "glibc 2.19 header" in front of it whenever the block's address is 16
# mod 4096; glibc 2.36 malloc()s those blocks, so a heap chunk that lands there by chance
# yields a garbage range (seen: {0x1ddd, 0x800001102} for TLS module 43) and LeakSanitizer's
# tracer segfaults scanning it at exit ("Tracer caught signal 11"). The blocks are ordinary
# heap chunks reachable from the thread's DTV, so leak checking still sees through them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0}
# Pretrained-weight tests read `make weights`' output (they skip, saying so, when it is absent).
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${XP_WEIGHTS_DIR:-}" ] && [ -d "$top/weights" ]; then export XP_WEIGHTS_DIR="$top/weights"; fi
# Sanitizer builds run several times slower: the asan target raises every test's timeout.
meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier "${XP_TEST_TIMEOUT_MULTIPLIER:-1}"
rc=$?
log="$build/meson-logs/testlog.json"
if [ -f "$log" ]; then
  passed=$(grep -c '"result": "OK"' "$log")
  failed=$(grep -cE '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log")
  skipped=$(grep -c '"result": "SKIP"' "$log")
else
  passed=0; failed=1; skipped=0
fi
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
