#!/usr/bin/env bash
# validation.final_top: K, end to end. The run's test predictions are the log1p-space mean of
# the refits of the study's K best complete trials — checked against K separate runs, one at
# each trial's point (search.first_trial: config, one trial: the same refit, since small.yaml's
# model samples no rows or columns); the record names those trials in order of value with
# the CV each scores again (= the search's); the out-of-fold artifact is their average and the
# record's cv_average its fold mean; predict reproduces the average; K beyond the complete
# trials takes them all; bad values are refused before any work.
# usage: test_final_top.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600

expect_rc 2 "$runner" small.yaml ++validation.final_top=0 store.path=bad.db -q
expect_in "$tmp/err" "validation.final_top must be 1 to 50"
expect_rc 2 "$runner" small.yaml ++validation.final_top=3 ++validation.final=folds store.path=bad.db -q
expect_in "$tmp/err" "needs validation.final: refit, not folds"
[ ! -f bad.db ] && ok || bad "a store was made although the config was invalid"

expect_rc 0 "$runner" small.yaml search.trials=6 ++validation.final_top=3 store.path=top.db
expect_in "$tmp/err" "the test part is the average of 3 refits"
grep -q "when the search ran it" "$tmp/err" && bad "a runner-up scored otherwise than in the search" || ok   # each scores what the search recorded
# The three trials' points, best first, from Optuna's tables; one run at each.
"$py" - top.db > points.txt <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rec = json.loads(db.execute("select json from xp_records where kind='final_top'").fetchone()[0])
best = db.execute("select t.number from trials t join trial_values v on v.trial_id = t.trial_id "
                  "where t.state = 'COMPLETE' order by v.value, t.number").fetchall()
assert rec["trials"] == [b[0] for b in best[:3]], (rec["trials"], best)
for num in rec["trials"]:
    ps = db.execute("select p.param_name, p.param_value, p.distribution_json from trial_params p join trials t "
                    "on t.trial_id = p.trial_id where t.number = ?", (num,)).fetchall()
    print(" ".join(f"{n}={int(v) if 'Int' in d else repr(v)}" for n, v, d in ps))
PY
[ "$(wc -l < points.txt)" = 3 ] && ok || bad "expected three points, got: $(cat points.txt)"
i=0
while read -r line; do
  # shellcheck disable=SC2086
  expect_rc 0 "$runner" small.yaml search.trials=1 ++search.first_trial=config $line store.path=one$i.db -q
  i=$((i + 1))
done < points.txt
expect_rc 0 "$py" - top.db one0.db one1.db one2.db <<'PY'
import csv, json, math, sqlite3, sys
import numpy as np
top, ones = sqlite3.connect(sys.argv[1]), [sqlite3.connect(p) for p in sys.argv[2:]]
art = lambda db, kind: db.execute("select path from xp_artifacts where run_id=1 and kind=?", (kind,)).fetchone()[0]
preds = lambda db, kind: {int(r["row"]): (float(r["target"]), float(r["prediction"])) for r in csv.DictReader(open(art(db, kind)))}
rec = json.loads(top.execute("select json from xp_records where kind='final_top'").fetchone()[0])
assert rec["k"] == 3 and rec["space"] == "log", rec
vals = {n: v for n, v in top.execute("select t.number, v.value from trials t join trial_values v on v.trial_id = t.trial_id")}
for num, cv in zip(rec["trials"], rec["cv"]):
    assert abs(cv - vals[num]) < 1e-9, (num, cv, vals[num])
# The test predictions: the mean of the three single runs' refits in log1p space.
t = preds(top, "test_predictions")
singles = [preds(o, "test_predictions") for o in ones]
assert all(sorted(s) == sorted(t) for s in singles)
worst = 0
for r in t:
    want = math.expm1(np.mean([math.log1p(max(0, s[r][1])) for s in singles]))
    worst = max(worst, abs(t[r][1] - want) / max(1, abs(want)))
assert worst < 1e-9, worst
# Not the best alone: the average moved the predictions.
assert max(abs(t[r][1] - singles[0][r][1]) for r in t) > 1e-6
e = [math.log1p(t[r][1]) - math.log1p(t[r][0]) for r in t]
got = top.execute("select value from xp_metrics where run_id=1 and split='test' and metric='rmsle' and source is null").fetchone()[0]
assert abs(math.sqrt(sum(x * x for x in e) / len(e)) - got) < 1e-9, got
# The out-of-fold artifact is the average of the three runs' out-of-fold predictions, and the
# record's cv_average its mean over folds.
o = preds(top, "oof_predictions")
os_ = [preds(x, "oof_predictions") for x in ones]
fold = {int(r["row"]): int(r["fold"]) for r in csv.DictReader(open(art(top, "folds"))) if r["part"] == "dev"}
per = {}
for r in o:
    want = math.expm1(np.mean([math.log1p(max(0, s[r][1])) for s in os_]))
    assert abs(o[r][1] - want) <= 1e-9 * max(1, abs(want)), (r, o[r], want)
    per.setdefault(fold[r], []).append((math.log1p(o[r][1]) - math.log1p(o[r][0])) ** 2)
cv = np.mean([math.sqrt(np.mean(v)) for v in per.values()])
assert abs(cv - rec["cv_average"]) < 1e-9, (cv, rec["cv_average"])
m = top.execute("select value from xp_metrics where run_id=1 and split='cv_final_top' and metric='rmsle'").fetchone()[0]
assert abs(m - cv) < 1e-12, m
models = top.execute("select kind from xp_artifacts where run_id=1 and kind like '%model' order by kind").fetchall()
assert [k for (k,) in models] == ["model", "top1_model", "top2_model"], models
print("final_top: test", got, "cv_average", cv, "trials", rec["trials"], rec["cv"])
PY
expect_predict_reproduces "$runner" top.db 1 small.csv
expect_rc 0 "$runner" report --store top.db --html --out rep
grep -q "The test part is the average of 3 refits (<code>validation.final_top</code>, log1p space): trials \[" rep/index.html &&
  ok || bad "the report does not say the test part is an average of refits"

# A target with negative values: log1p would clamp its predictions at 0, so the refits are
# averaged as they are (said, recorded as space raw), and predict does the same.
"$py" "$src/shift_target.py" small.csv neg.csv -5000
expect_rc 0 "$runner" small.yaml data.path=neg.csv pipeline=[] metrics=[rmse] objective=rmse ++validation.final_top=3 store.path=neg.db
expect_in "$tmp/err" "the target has negative values: the refits are averaged as they are"
expect_rc 0 "$py" - neg.db <<'PY'
import csv, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rec = json.loads(db.execute("select json from xp_records where kind='final_top'").fetchone()[0])
assert rec["space"] == "raw" and rec["k"] == 3, rec
p = db.execute("select path from xp_artifacts where run_id=1 and kind='test_predictions'").fetchone()[0]
pred = [float(r["prediction"]) for r in csv.DictReader(open(p))]
assert sum(v < 0 for v in pred) > len(pred) // 2, "negative predictions were clamped"
PY
expect_predict_reproduces "$runner" neg.db 1 neg.csv

# More than the study's complete trials: all of them (4 trials, no pruner: 1 + 3 runners-up).
expect_rc 0 "$runner" small.yaml ++validation.final_top=10 store.path=all.db
expect_in "$tmp/err" "the test part is the average of 4 refits"
expect_predict_reproduces "$runner" all.db 1 small.csv
# One complete trial: nothing to average with; the saved config says 1 model, so predict does
# not look for runners-up that were never made.
expect_rc 0 "$runner" small.yaml search.trials=1 ++validation.final_top=3 store.path=one.db -q
expect_predict_reproduces "$runner" one.db 1 small.csv
finish
