#!/usr/bin/env bash
# End to end on a small CSV: a run records its study; python3-optuna reads it back and
# agrees on trials and best trial; a rerun resumes the study; `runner predict` reproduces
# the test predictions; a metric plugin compiled out of tree against include/ alone and
# dropped into ./plugins is used by the next run without rebuilding anything.
# usage: test_run.sh RUNNER SRCDIR INCLUDEDIR PYTHON
runner=$1 src=$2 inc=$3 py=$4
# meson passes build targets relative to the build dir; the tests cd elsewhere.
runner=$(readlink -f "$runner")
src=$(readlink -f "$src")
inc=$(readlink -f "$inc")
py=$(readlink -f "$py")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600

expect_rc 0 "$runner" small.yaml -q
cp "$tmp/out" run1.txt
expect_in run1.txt "study small  run 1"
expect_in run1.txt "test (1"
best=$(sed -n 's/^best trial \([0-9]*\):.*/\1/p' run1.txt)
[ -n "$best" ] && ok || bad "no best trial in the summary"
expect_rc 0 "$py" "$src/optuna_check.py" exp.db small 4 "$best"

# Resume: the budget counts finished trials; 6 in total after the second run.
expect_rc 0 "$runner" small.yaml search.trials=6 -q
best2=$(sed -n 's/^best trial \([0-9]*\):.*/\1/p' "$tmp/out")
expect_rc 0 "$py" "$src/optuna_check.py" exp.db small 6 "$best2"
n=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute('select count(*) from xp_runs').fetchone()[0])")
[ "$n" = 2 ] && ok || bad "expected 2 runs recorded, got $n"

# predict: the test rows' predictions equal the run's own test_predictions artifact.
art=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select path from xp_artifacts where run_id=2 and kind='test_predictions'\").fetchone()[0])")
[ -f "$art" ] && ok || bad "test_predictions artifact missing: $art"
head -1 small.csv > test_rows.csv
"$py" - "$art" small.csv >> test_rows.csv <<'PY'
import csv, sys
rows = [int(r["row"]) for r in csv.DictReader(open(sys.argv[1]))]
lines = open(sys.argv[2]).read().splitlines()[1:]
sys.stdout.write("".join(lines[i] + "\n" for i in rows))
PY
expect_rc 0 "$runner" predict --run 2 --store exp.db test_rows.csv -q
cp "$tmp/out" pred.csv
expect_rc 0 "$py" - "$art" pred.csv <<'PY'
import csv, sys
a = [float(r["prediction"]) for r in csv.DictReader(open(sys.argv[1]))]
b = [float(r["prediction"]) for r in csv.DictReader(open(sys.argv[2]))]
assert len(a) == len(b) and len(a) > 0, (len(a), len(b))
worst = max(abs(x - y) / max(abs(x), 1e-9) for x, y in zip(a, b))
assert worst < 1e-6, worst
PY

# Source quality weights: one weight per source, recorded; median pruning stops trials.
expect_rc 0 "$runner" small.yaml name=sw +source_weights.enabled=true search.trials=10 \
  search.pruner.type=median +search.pruner.n_startup_trials=2 +search.pruner.n_warmup_steps=0 -q
expect_rc 0 "$py" - exp.db <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
run = db.execute("select max(id) from xp_runs where name='sw'").fetchone()[0]
rec = json.loads(db.execute("select json from xp_records where run_id=? and kind='source_weights'", (run,)).fetchone()[0])
assert [s["source"] for s in rec["sources"]] == [0, 1, 2, 3], rec
assert all(s["weight"] > 0 for s in rec["sources"]), rec
states = [r[0] for r in db.execute("select t.state from trials t join studies s using(study_id) where s.study_name='sw'")]
assert len(states) == 10 and "PRUNED" in states and "COMPLETE" in states, states
PY

# Folds trained in parallel give exactly what one at a time gives (per-fold RNG streams).
expect_rc 0 "$runner" small.yaml name=par +search.fold_jobs=3 'model.threads=0' -q
grep '^test' "$tmp/out" > par.txt
expect_rc 0 "$runner" small.yaml name=seq +search.fold_jobs=1 'model.threads=0' -q
grep '^test' "$tmp/out" > seq.txt
cmp -s par.txt seq.txt && ok || bad "parallel folds differ: $(cat par.txt) vs $(cat seq.txt)"

# Out-of-tree plugin: built with the system compiler against include/ only.
mkdir -p plugins/metrics_extra
cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -I "$inc" \
   "$src/plugins/extra_metric.c" -o plugins/metrics_extra/max_abs_error.so -lm && ok || bad "out-of-tree build"
expect_rc 0 "$runner" plugins
expect_in "$tmp/out" "max_abs_error"
expect_rc 0 "$runner" small.yaml name=oot 'metrics=[max_abs_error,rmsle]' objective=max_abs_error search.trials=2 -q
expect_in "$tmp/out" "max_abs_error="
n=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select count(*) from xp_metrics where metric='max_abs_error' and split='test'\").fetchone()[0])")
[ "$n" -ge 1 ] && ok || bad "max_abs_error test metric not stored"
finish
