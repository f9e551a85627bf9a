#!/usr/bin/env bash
# validation.refit_seeds: S, end to end. Each final configuration is refitted S times, the
# model's random draws differing, and the test part is the log1p-space mean of all of them.
# Checked against each replica alone: `runner predict` on a copy of the store whose model
# artifacts all name one replica's file gives that replica's predictions, and the run's
# predictions are their mean. The first replica is the model a run without the option makes
# (byte for byte); the record says how many models; final_top x refit_seeds saves every model
# under its own kind and predict averages them as the run did; a model whose replicas cannot
# differ (its seed fixed in the config) is said and recorded; bad values are refused first.
# usage: test_refit_seeds.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600

expect_rc 2 "$runner" small.yaml ++validation.refit_seeds=0 store.path=bad.db -q
expect_in "$tmp/err" "validation.refit_seeds must be 1 to 50"
expect_rc 2 "$runner" small.yaml ++validation.refit_seeds=3 ++validation.final=folds store.path=bad.db -q
expect_in "$tmp/err" "needs validation.final: refit, not folds"
[ ! -f bad.db ] && ok || bad "a store was made although the config was invalid"

# Row and column sampling: the replicas' seeds make them differ.
sampled=(search.trials=1 ++search.first_trial=config ++model.params.subsample=0.6 ++model.params.colsample_bytree=0.6)
expect_rc 0 "$runner" small.yaml "${sampled[@]}" store.path=one.db -q
expect_rc 0 "$runner" small.yaml "${sampled[@]}" ++validation.refit_seeds=3 store.path=three.db
expect_in "$tmp/err" "refit_seeds: each of the 1 configuration(s) refitted 3 times, 3 models averaged"
grep -q "predict exactly as the first refit" "$tmp/err" && bad "sampled replicas said to be identical" || ok
for r in 0 1 2; do   # a store copy whose three model artifacts are replica r's file
  "$py" - three.db "r$r.db" "$r" <<'PY'
import shutil, sqlite3, sys
shutil.copy(sys.argv[1], sys.argv[2])
db = sqlite3.connect(sys.argv[2])
kind = ["model", "seed1_model", "seed2_model"][int(sys.argv[3])]
path, sha = db.execute("select path, sha256 from xp_artifacts where run_id=1 and kind=?", (kind,)).fetchone()
db.execute("update xp_artifacts set path=?, sha256=? where run_id=1 and kind in ('model','seed1_model','seed2_model')",
           (path, sha))
db.commit()
PY
  expect_predict_reproduces "$runner" three.db 1 small.csv   # leaves the rows in predict_rows.csv
  expect_rc 0 "$runner" predict --run 1 --store "r$r.db" "$tmp/predict_rows.csv" -q
  cp "$tmp/out" "replica$r.csv"
done
expect_rc 0 "$py" - one.db three.db replica0.csv replica1.csv replica2.csv <<'PY'
import csv, hashlib, json, math, sqlite3, sys
import numpy as np
one, three = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
art = lambda db, kind: db.execute("select path from xp_artifacts where run_id=1 and kind=?", (kind,)).fetchone()[0]
col = lambda p: np.array([float(r["prediction"]) for r in csv.DictReader(open(p))])
reps = [col(p) for p in sys.argv[3:]]
run = col(art(three, "test_predictions"))
# The first replica is the model a run without the option makes: the same file, byte for byte.
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
assert sha(art(one, "model")) == sha(art(three, "model"))
assert np.allclose(col(art(one, "test_predictions")), reps[0], rtol=1e-6, atol=1e-6)
# The replicas differ, and the run predicts their log1p-space mean.
assert min(np.max(np.abs(reps[0] - reps[i])) for i in (1, 2)) > 1e-6, "replicas identical"
want = np.expm1(np.mean([np.log1p(np.clip(r, 0, None)) for r in reps], axis=0))
worst = np.max(np.abs(run - want) / np.maximum(1, np.abs(want)))
assert worst < 1e-6, worst
rec = json.loads(three.execute("select json from xp_records where run_id=1 and kind='final'").fetchone()[0])
assert rec == {"mode": "refit", "models": 3, "configurations": 1, "seeds": 3, "replicas_identical": False}, rec
print("refit_seeds: mean of 3 replicas reproduced to", worst)
PY
expect_rc 0 "$runner" report --store three.db --html --out rep
grep -q "refitted 3 times, its random draws differing (<code>validation.refit_seeds</code>): 3 models averaged;" \
  rep/index.html && ok || bad "the report does not say the test part averages 3 replicas"

# final_top x refit_seeds: 2 x 2 models, each saved under its own kind; predict averages all.
expect_rc 0 "$runner" small.yaml search.trials=4 ++model.params.subsample=0.6 ++validation.final_top=2 \
  ++validation.refit_seeds=2 store.path=grid.db -q
expect_rc 0 "$py" - grid.db <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
kinds = [k for (k,) in db.execute("select kind from xp_artifacts where run_id=1 and kind like '%model' order by kind")]
assert kinds == ["model", "seed1_model", "top1_model", "top1_seed1_model"], kinds
rec = json.loads(db.execute("select json from xp_records where run_id=1 and kind='final'").fetchone()[0])
assert rec["models"] == 4 and rec["configurations"] == 2 and rec["seeds"] == 2, rec
PY
expect_predict_reproduces "$runner" grid.db 1 small.csv

# small.yaml's model samples nothing: its replicas cannot differ. Said and recorded.
expect_rc 0 "$runner" small.yaml search.trials=1 ++validation.refit_seeds=2 store.path=same.db
expect_in "$tmp/err" "the replicas predict exactly as the first refit"
expect_rc 0 "$py" - same.db <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rec = json.loads(db.execute("select json from xp_records where run_id=1 and kind='final'").fetchone()[0])
assert rec["replicas_identical"] is True and rec["models"] == 2, rec
PY
expect_rc 0 "$runner" report --store same.db --html --out rep_same
grep -q "the replicas predicted identically" rep_same/index.html && ok || bad "the report hides identical replicas"
finish
