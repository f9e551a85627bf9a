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
expect_predict_reproduces "$runner" exp.db 2 small.csv

# validation.final: folds — the test part is the mean (log1p space) of the best
# configuration's 3 fold models, kept from the search (no refit); same trials and CV as a
# refit run of the same config; each fold model saved and `runner predict` averages them.
expect_rc 0 "$runner" small.yaml name=ff +validation.final=folds -q
expect_in "$tmp/out" "(mean of 3 fold models, log1p space)"
grep '^best trial' run1.txt > best_refit.txt
grep '^best trial' "$tmp/out" > best_folds.txt
cmp -s best_refit.txt best_folds.txt && ok || bad "fold-mean run's best trial differs: $(cat best_folds.txt) vs $(cat best_refit.txt)"
ffrun=$("$py" -c "import sqlite3; print(sqlite3.connect('exp.db').execute(\"select max(id) from xp_runs where name='ff'\").fetchone()[0])")
expect_predict_reproduces "$runner" exp.db "$ffrun" small.csv
expect_rc 0 "$py" - exp.db "$ffrun" <<'PY'
import csv, json, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); run = int(sys.argv[2])
kinds = sorted(k for (k,) in db.execute("select kind from xp_artifacts where run_id=?", (run,)))
assert [k for k in kinds if k.endswith("_model")] == ["fold0_model", "fold1_model", "fold2_model"], kinds
assert "model" not in kinds, kinds
rec = json.loads(db.execute("select json from xp_records where run_id=? and kind='final'", (run,)).fetchone()[0])
assert rec == {"mode": "folds", "space": "log", "models": 3}, rec
# The recorded test RMSLE is the RMSLE of the saved test predictions.
path = db.execute("select path from xp_artifacts where run_id=? and kind='test_predictions'", (run,)).fetchone()[0]
rows = list(csv.DictReader(open(path)))
r = math.sqrt(sum((math.log1p(float(x["prediction"])) - math.log1p(float(x["target"]))) ** 2 for x in rows) / len(rows))
v = db.execute("select value from xp_metrics where run_id=? and split='test' and source is null and metric='rmsle'", (run,)).fetchone()[0]
assert abs(r - v) < 1e-9 * max(1, v), (r, v)
PY
expect_rc 2 "$runner" small.yaml name=ff2 +validation.final=average -q
expect_in "$tmp/err" "validation.final must be refit or folds, got 'average'"

# Out-of-fold predictions of the refitted configuration: every dev row predicted once, dev
# and test rows partition the file, and their mean fold score is the recorded CV (run 1: the
# best trial of that run, no polish).
expect_rc 0 "$py" - exp.db small.csv <<'PY'
import csv, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
path = lambda run, kind: db.execute("select path from xp_artifacts where run_id=? and kind=?", (run, kind)).fetchone()[0]
for run in (1, 2):
    oof = list(csv.DictReader(open(path(run, "oof_predictions"))))
    test = list(csv.DictReader(open(path(run, "test_predictions"))))
    n_file = sum(1 for _ in open(sys.argv[2])) - 1
    ids = [int(r["row"]) for r in oof] + [int(r["row"]) for r in test]
    assert sorted(ids) == list(range(n_file)), (len(ids), n_file)
    assert all(r["prediction"] != "" for r in oof), "a dev row without an out-of-fold prediction"
# Run 1: the pooled RMSLE of its out-of-fold predictions is close to its recorded grouped CV
# (a mean over folds of per-fold RMSLE, so not identical).
oof = list(csv.DictReader(open(path(1, "oof_predictions"))))
pooled = math.sqrt(sum((math.log1p(float(r["prediction"])) - math.log1p(float(r["target"]))) ** 2 for r in oof) / len(oof))
cv = db.execute("select value from xp_metrics where run_id=1 and split='cv_grouped' and metric='rmsle'").fetchone()[0]
assert abs(pooled - cv) < 0.05 * cv, (pooled, cv)
print("oof pooled rmsle", pooled, "cv", cv)
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

# The same with the median pruner deciding after each trial's first fold: with 3 folds at
# once, the folds already running beside a pruned one are stopped at their next round, and
# every trial's state, value and intermediate values are what one fold at a time gives.
for j in 1 3; do
  expect_rc 0 "$runner" small.yaml name=prune store.path=prune$j.db +search.fold_jobs=$j 'model.threads=0' \
    search.trials=12 'search.pruner={type: median, n_startup_trials: 2, n_warmup_steps: 0}' -q
done
expect_rc 0 "$py" - prune1.db prune3.db <<'PY'
import sqlite3, sys
def study(path):
    db = sqlite3.connect(path)
    trials = db.execute("select number, state, value from trials left join trial_values using (trial_id) "
                        "order by number").fetchall()
    steps = db.execute("select t.number, i.step, i.intermediate_value from trial_intermediate_values i "
                       "join trials t using (trial_id) order by 1, 2").fetchall()
    return trials, steps
one, three = study(sys.argv[1]), study(sys.argv[2])
assert one == three, (one, three)
assert len(one[0]) == 12 and any(s == "PRUNED" for _, s, _ in one[0]), one[0]
PY

# A resumed study whose best trial ran in an earlier process trains that trial's fold models
# again with the trial's own random streams: a second run that adds one (worse) trial reports
# the test score the first run gave (before, the models were trained again with the streams
# of "no trial" and scored 0.0915 instead of 0.0964 here).
for t in 3 4; do
  expect_rc 0 "$runner" small.yaml name=rsm store.path=rsm.db +validation.final=folds ++model.params.subsample=0.6 \
    ++model.params.colsample_bytree=0.6 search.trials=$t -q
  grep '^best trial\|^test' "$tmp/out" > "rsm$t.txt"
done
grep -q '^best trial 1:' rsm4.txt && ok || bad "the second run's best trial is not the first run's: $(cat rsm4.txt)"
cmp -s rsm3.txt rsm4.txt && ok || bad "resumed best trial scored differently: $(cat rsm3.txt) vs $(cat rsm4.txt)"

# The source-weights pre-pass fits its folds in waves of fold_jobs too: the weights are the
# same whichever fold finishes first (residuals summed in fold order).
expect_rc 0 "$runner" small.yaml name=swpar +source_weights.enabled=true +search.fold_jobs=3 'model.threads=0' search.trials=1 -q
expect_rc 0 "$runner" small.yaml name=swseq +source_weights.enabled=true +search.fold_jobs=1 'model.threads=0' search.trials=1 -q
expect_rc 0 "$py" - exp.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def rec(name):
    run = db.execute("select max(id) from xp_runs where name=?", (name,)).fetchone()[0]
    return db.execute("select json from xp_records where run_id=? and kind='source_weights'", (run,)).fetchone()[0]
assert rec("swpar") == rec("swseq"), (rec("swpar"), rec("swseq"))
PY

# Polish: the best point again at half the learning rate on the same folds; recorded, and
# the refit config carries the polished rate exactly when its CV beat the search's best.
expect_rc 0 "$runner" small.yaml name=pol '+polish.scale={model.params.eta: 0.5, model.num_boost_round: 3}'
cp "$tmp/err" pol.err
expect_in pol.err "[polish] info: best point again with"
expect_rc 0 "$py" - exp.db <<'PY'
import json, sqlite3, sys, yaml
db = sqlite3.connect(sys.argv[1])
run = db.execute("select max(id) from xp_runs where name='pol'").fetchone()[0]
rec = json.loads(db.execute("select json from xp_records where run_id=? and kind='polish'", (run,)).fetchone()[0])
old_eta, new_eta = rec["changes"]["model.params.eta"]
assert abs(new_eta - old_eta * 0.5) < 1e-12, rec
assert rec["changes"]["model.num_boost_round"] == [60, 180], rec
folds = [v for (v,) in db.execute("select value from xp_metrics where run_id=? and split='polish' and metric='rmsle' order by fold", (run,))]
assert len(folds) == 3 and abs(sum(folds) / 3 - rec["polished"]) < 1e-12, (folds, rec)
best = db.execute("select min(v.value) from trial_values v join trials t using(trial_id) join studies s using(study_id) where s.study_name='pol'").fetchone()[0]
assert abs(best - rec["search_best"]) < 1e-12, (best, rec)
assert rec["used"] == (rec["polished"] < rec["search_best"]), rec
path = db.execute("select path from xp_artifacts where run_id=? and kind='refit_config'", (run,)).fetchone()[0]
eta = yaml.safe_load(open(path))["model"]["params"]["eta"]
assert abs(eta - (new_eta if rec["used"] else old_eta)) < 1e-12, (eta, rec)
PY
# The report: one row per study (its latest run), numbers as stored.
expect_rc 0 "$runner" report --store exp.db
cp "$tmp/out" report.md
expect_rc 0 "$py" - exp.db report.md <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = {}
for line in open(sys.argv[2]):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 9 and cells[1].isdigit():
        rows[cells[0]] = cells
assert set(rows) >= {"small", "sw", "par", "seq", "pol"}, rows.keys()
def val(run, split):
    r = db.execute("select value from xp_metrics where run_id=? and split=? and metric='rmsle' and trial_id is null and source is null", (run, split)).fetchone()
    return "–" if r is None else "%.4g" % r[0]
for name, c in rows.items():
    run = db.execute("select max(id) from xp_runs where name=? and status='COMPLETE'", (name,)).fetchone()[0]
    assert c[1] == str(run), (name, c)
    assert [c[5], c[6], c[7], c[8]] == [val(run, "cv_grouped"), val(run, "cv_polish"), val(run, "cv_random"), val(run, "test")], (name, c)
assert rows["pol"][6] != "–" and rows["small"][6] == "–", rows
PY

expect_rc 2 "$runner" small.yaml name=pol2 '+polish.scale={model.params.nope: 0.5}' -q
expect_in "$tmp/err" "polish.scale: 'model.params.nope' is not a number in the config nor a search parameter"
expect_rc 2 "$runner" small.yaml name=pol2 '+polish.scale={model.params.eta: -1}' -q
expect_in "$tmp/err" "polish.scale.model.params.eta: factor must be a positive number"

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
# The report's test table lists the metrics the runs recorded, the plugin's own included.
expect_rc 0 "$runner" report --store exp.db
cp "$tmp/out" report2.md
expect_rc 0 "$py" - report2.md <<'PY'
import sys
lines = open(sys.argv[1]).read().split("## Test part, scored once")[1].strip().splitlines()
header = [c.strip() for c in lines[0].strip().strip("|").split("|")]
assert header == ["study", "rmsle", "rmse", "r2", "max_abs_error"], header
oot = [l for l in lines if l.startswith("| oot |")][0]
cells = [c.strip() for c in oot.strip().strip("|").split("|")]
assert cells[1] != "–" and cells[4] != "–" and cells[2] == "–", cells
PY
finish
