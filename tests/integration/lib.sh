# Shared helpers for the integration test scripts: a temp dir, and checks that print what
# was expected and what came instead. Source it; call `finish` at the end.
set -u
failures=0
checks=0
tmp=$(mktemp -d /tmp/xp-test.XXXXXX)
trap '[ -n "${XP_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT   # set -u: unset means remove
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
# expect_predict_reproduces RUNNER DB RUN DATA_CSV : `runner predict --run RUN` on the rows the
# run held out for test (copied from DATA_CSV, whose row numbers test_predictions lists) prints
# the run's own test_predictions, to 1e-6 relative. Needs $py (python3).
expect_predict_reproduces() {
  local runner=$1 db=$2 run=$3 data=$4
  local art
  art=$("$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select path from xp_artifacts where run_id=? and kind='test_predictions'\", (int(sys.argv[2]),)).fetchone()[0])" "$db" "$run")
  [ -f "$art" ] && ok || { bad "run $run in $db: test_predictions artifact missing: $art"; return; }
  head -1 "$data" > "$tmp/predict_rows.csv"
  "$py" - "$art" "$data" >> "$tmp/predict_rows.csv" <<'PY'
import csv, sys
rows = [int(r["row"]) for r in csv.DictReader(open(sys.argv[1]))]
lines = open(sys.argv[2]).read().splitlines()[1:]
sys.stdout.write("".join(lines[i] + "\n" for i in rows))
PY
  expect_rc 0 "$runner" predict --run "$run" --store "$db" "$tmp/predict_rows.csv" -q
  cp "$tmp/out" "$tmp/predict_out.csv"
  expect_rc 0 "$py" - "$art" "$tmp/predict_out.csv" <<'PY'
import csv, sys
a = [float(r["prediction"]) for r in csv.DictReader(open(sys.argv[1]))]
b = [float(r["prediction"]) for r in csv.DictReader(open(sys.argv[2]))]
assert len(a) == len(b) and len(a) > 0, (len(a), len(b))
worst = max(abs(x - y) / max(abs(x), 1e-9) for x, y in zip(a, b))
assert worst < 1e-6, worst
PY
}
