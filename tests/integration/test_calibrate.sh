#!/usr/bin/env bash
# validation.calibrate: affine, end to end: the line is numpy's least-squares fit of the target
# on the best configuration's out-of-fold predictions (log1p space), the test predictions are
# the uncalibrated run's mapped through it (same config and seed, calibrate: none), for a
# refit and for validation.final: folds; the record's cross-fitted CV is recomputed from
# folds.csv; `runner predict` applies the line (and refuses an edited calibration.csv); a
# bad value is refused before any work; the report shows the line.
# usage: test_calibrate.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600

expect_rc 2 "$runner" small.yaml ++validation.calibrate=stretch store.path=bad.db -q
expect_in "$tmp/err" "validation.calibrate must be none, affine or auto, got 'stretch'"
[ ! -f bad.db ] && ok || bad "a store was made although the config was invalid"

for final in refit folds; do
  for cal in none affine; do
    expect_rc 0 "$runner" small.yaml ++validation.final=$final ++validation.calibrate=$cal store.path=${final}_$cal.db -q
  done
  expect_rc 0 "$py" - ${final}_none.db ${final}_affine.db <<'PY'
import csv, json, math, sqlite3, sys
import numpy as np
none, aff = (sqlite3.connect(p) for p in sys.argv[1:3])
art = lambda db, kind: db.execute("select path from xp_artifacts where run_id=1 and kind=?", (kind,)).fetchone()[0]
def preds(db, kind):
    return {int(r["row"]): (float(r["target"]), float(r["prediction"])) for r in csv.DictReader(open(art(db, kind)))}
assert none.execute("select count(*) from xp_records where kind='calibration'").fetchone()[0] == 0
rec = json.loads(aff.execute("select json from xp_records where run_id=1 and kind='calibration'").fetchone()[0])
assert rec["method"] == "affine" and rec["space"] == "log" and rec["metric"] == "rmsle", rec
# The same search: identical out-of-fold predictions on both sides.
oof = preds(aff, "oof_predictions")
assert oof == preds(none, "oof_predictions")
rows = sorted(r for r in oof if not math.isnan(oof[r][1]))
z = np.array([math.log1p(oof[r][1]) for r in rows])
b = np.array([math.log1p(oof[r][0]) for r in rows])
scale, offset = np.polyfit(z, b, 1)
assert abs(scale - rec["scale"]) < 1e-9 * max(1, abs(scale)) and abs(offset - rec["offset"]) < 1e-8, (scale, offset, rec)
# The test predictions: the uncalibrated run's through the line, and scored as such.
t0, t1 = preds(none, "test_predictions"), preds(aff, "test_predictions")
assert sorted(t0) == sorted(t1)
for r in t0:
    want = math.expm1(offset + scale * math.log1p(t0[r][1]))
    assert abs(t1[r][1] - want) < 1e-9 * max(1, abs(want)), (r, t1[r], want)
e = [math.log1p(t1[r][1]) - math.log1p(t1[r][0]) for r in t1]
got = aff.execute("select value from xp_metrics where run_id=1 and split='test' and metric='rmsle' and source is null").fetchone()[0]
assert abs(math.sqrt(sum(x * x for x in e) / len(e)) - got) < 1e-9, got
# The cross-fitted CV: fold k mapped with the line fitted on the other folds; and the same
# folds as they are.
fold = {int(r["row"]): int(r["fold"]) for r in csv.DictReader(open(art(aff, "folds"))) if r["part"] == "dev"}
fk = np.array([fold[r] for r in rows])
cross, plain = [], []
for k in sorted(set(fk)):
    s, o = np.polyfit(z[fk != k], b[fk != k], 1)
    va = fk == k
    cross.append(math.sqrt(((o + s * z[va] - b[va]) ** 2).mean()))
    plain.append(math.sqrt(((z[va] - b[va]) ** 2).mean()))
assert abs(np.mean(cross) - rec["cv_cross_fitted"]) < 1e-9, (cross, rec)
assert abs(np.mean(plain) - rec["cv_uncalibrated"]) < 1e-9, (plain, rec)
print("scale", scale, "offset", offset, "cv", np.mean(plain), "->", np.mean(cross))
PY
  # predict applies the recorded line: it reproduces the calibrated test predictions.
  expect_predict_reproduces "$runner" ${final}_affine.db 1 small.csv
done

# A target with negative values has no log1p line: said, with the fix; in raw space it runs.
"$py" "$src/shift_target.py" small.csv neg.csv -5000
neg="data.path=neg.csv pipeline=[] metrics=[rmse] objective=rmse ++validation.calibrate=affine"
expect_rc 2 "$runner" small.yaml $neg store.path=neg.db -q
expect_in "$tmp/err" "the target has negative values"
expect_in "$tmp/err" "set validation.final_space: raw"
expect_rc 0 "$runner" small.yaml $neg ++validation.final_space=raw store.path=neg_raw.db -q
# auto on the same target is no error (a generic config may ask for it): no line, said and
# recorded, the predictions as the model made them.
neg_auto="data.path=neg.csv pipeline=[] metrics=[rmse] objective=rmse ++validation.calibrate=auto"
expect_rc 0 "$runner" small.yaml $neg_auto store.path=neg_auto.db
expect_in "$tmp/err" "no line in log1p space for a target with negative values"
expect_rc 0 "$py" - neg_auto.db <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rec = json.loads(db.execute("select json from xp_records where run_id=1 and kind='calibration'").fetchone()[0])
assert rec["mode"] == "auto" and rec["applied"] is False and "negative" in rec["reason"], rec
assert db.execute("select count(*) from xp_artifacts where kind='calibration'").fetchone()[0] == 0
PY
expect_predict_reproduces "$runner" neg_auto.db 1 neg.csv

# The report says the test part was calibrated, and how.
expect_rc 0 "$runner" report --store refit_affine.db --html --out rep
grep -q "Calibrated (<code>validation.calibrate: affine</code>): test prediction = .* &times; prediction (log1p space)" rep/index.html &&
  ok || bad "the report does not show the calibration"

# validation.calibrate: auto keeps the line only where its cross-fitted CV is better. On this
# table at the config's settings it is not (rmsle 0.1757 -> 0.1792 cross-fitted): the record
# says "applied": false, no calibration.csv, the test predictions are the uncalibrated run's,
# predict reproduces them. With 8 rounds the model is pulled to the mean (slope ~1.36) and the
# line wins: the test predictions are the affine run's. Either way applied == (cross < plain).
expect_rc 0 "$runner" small.yaml ++validation.calibrate=auto store.path=auto_off.db -q
expect_rc 0 "$runner" small.yaml ++validation.calibrate=auto model.num_boost_round=8 store.path=auto_on.db -q
expect_rc 0 "$runner" small.yaml ++validation.calibrate=affine model.num_boost_round=8 store.path=affine8.db -q
expect_rc 0 "$py" - auto_off.db refit_none.db auto_on.db affine8.db <<'PY'
import csv, json, sqlite3, sys
off, none, on, aff = (sqlite3.connect(p) for p in sys.argv[1:5])
art = lambda db, kind: db.execute("select path from xp_artifacts where run_id=1 and kind=?", (kind,)).fetchall()
preds = lambda db: {int(r["row"]): float(r["prediction"]) for r in csv.DictReader(open(art(db, "test_predictions")[0][0]))}
rec = lambda db: json.loads(db.execute("select json from xp_records where run_id=1 and kind='calibration'").fetchone()[0])
r0, r1 = rec(off), rec(on)
assert r0["mode"] == "auto" and r0["applied"] is False, r0
assert r0["cv_cross_fitted"] >= r0["cv_uncalibrated"], r0
assert art(off, "calibration") == [], "a calibration.csv although the line was not applied"
assert preds(off) == preds(none), "auto, not applied: the test predictions differ from the uncalibrated run's"
assert r1["mode"] == "auto" and r1["applied"] is True and r1["cv_cross_fitted"] < r1["cv_uncalibrated"], r1
assert len(art(on, "calibration")) == 1
p1, pa = preds(on), preds(aff)
assert sorted(p1) == sorted(pa) and all(abs(p1[k] - pa[k]) <= 1e-12 * max(1, abs(pa[k])) for k in p1), "auto, applied != affine"
print("auto off:", r0["cv_uncalibrated"], "->", r0["cv_cross_fitted"], "; on:", r1["cv_uncalibrated"], "->", r1["cv_cross_fitted"])
PY
expect_predict_reproduces "$runner" auto_off.db 1 small.csv
expect_predict_reproduces "$runner" auto_on.db 1 small.csv
expect_rc 0 "$runner" report --store auto_off.db --html --out rep_off
grep -q "Not calibrated (<code>validation.calibrate: auto</code>): the line .* not better" rep_off/index.html &&
  ok || bad "the report does not say the line was not applied"

# An edited calibration.csv is refused by predict (its sha256 is recorded).
c=$("$py" -c "import sqlite3; print(sqlite3.connect('refit_affine.db').execute(\"select path from xp_artifacts where kind='calibration'\").fetchone()[0])")
sed -i 's/^log,/log,1/' "$c"
expect_rc 1 "$runner" predict --run 1 --store refit_affine.db small.csv -q
expect_in "$tmp/err" "calibration.csv is not the file the run wrote"
finish
