#!/usr/bin/env bash
# search.pruner.within_fold: a network trial whose validation loss stays far above the complete
# trials' at the same epoch of the same fold stops there — inside its first fold, after the
# warm-up epochs — and is recorded PRUNED with no fold score; without the option the same
# trial trains its whole first fold (the fold-level pruner needs a finished fold).
# usage: test_step_prune.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600
# Trial 0 learns (lr 0.01); trial 1 barely moves (lr 1e-7): the grid runs them in this order.
cat > base.yaml <<'Y'
extends: small.yaml
model: null
search: {space: null}
Y
cat > net.yaml <<'Y'
extends: base.yaml
name: net
validation: {final: folds}
model:
  plugin: mlp
  epochs: 12
  patience: 0
  hidden: [32]
  lr: 0.01
  threads: 1
search:
  sampler: grid
  trials: 2
  fold_jobs: 1
  pruner: {type: median, n_startup_trials: 1, n_warmup_steps: 1, within_fold: true, within_fold_warmup: 2}
  space:
    model.lr: {type: categorical, choices: [0.01, 0.0000001]}
Y
expect_rc 0 "$runner" net.yaml -v
cp "$tmp/err" within.log
expect_in within.log "within-fold pruner"
expect_in within.log "mlp: pruned at epoch 2"
# The trial states and what each trial recorded, read back from the store.
check_store() {   # DB WANT_STATES WANT_FOLDS_OF_TRIAL_1
  expect_rc 0 "$py" - "$1" "$2" "$3" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
states = ",".join(s for (s,) in db.execute("select state from trials order by number"))
assert states == sys.argv[2], (states, sys.argv[2])
folds = db.execute("select count(distinct fold) from xp_metrics m join trials t on t.trial_id = m.trial_id "
                   "where t.number = 1 and m.split = 'valid' and m.fold >= 0").fetchone()[0]
assert folds == int(sys.argv[3]), (folds, sys.argv[3])
PY
}
check_store exp.db "COMPLETE,PRUNED" 0

# The same study without the option: trial 1 finishes fold 0 and 1 before the fold-level pruner
# can stop it (n_warmup_steps 1), so it records fold scores.
expect_rc 0 "$runner" net.yaml -v search.pruner.within_fold=false store.path=plain.db
expect_in "$tmp/err" "pruned"
if grep -qF "within-fold pruner" "$tmp/err"; then bad "the within-fold pruner ran although within_fold is false"; else ok; fi
check_store plain.db "COMPLETE,PRUNED" 2

# A bad value of the option names the key.
expect_rc 2 "$runner" net.yaml search.pruner.within_fold=sometimes store.path=bad.db
expect_in "$tmp/err" "within_fold"
finish
