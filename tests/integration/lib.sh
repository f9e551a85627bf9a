# Shared helpers for the integration test scripts: a temp dir, and checks that print what
# was expected and what came instead. Source it; call `finish` at the end.
set -u
failures=0
checks=0
tmp=$(mktemp -d /tmp/xp-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }
# expect_rc WANT CMD... : runs CMD, keeps stdout/stderr in $tmp/out $tmp/err
expect_rc() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" -eq "$want" ]; then ok; else bad "exit $rc, wanted $want: $*"; sed 's/^/  stderr: /' "$tmp/err" | tail -20 >&2; fi
}
# expect_in FILE TEXT : FILE contains TEXT (fixed string)
expect_in() {
  if grep -qF -- "$2" "$1"; then ok; else bad "$(basename "$1") lacks: $2"; sed 's/^/  | /' "$1" | tail -15 >&2; fi
}
finish() { echo "$checks checks, $failures failed"; [ "$failures" -eq 0 ]; }
