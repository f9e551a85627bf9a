#!/usr/bin/env bash
# The fold-level median pruner decides as Optuna 3.1's MedianPruner does: python3-optuna, the
# independent oracle, replays the runner's study from its store (trial order, states, the
# running means recorded as intermediate values) and asks MedianPruner at every recorded step
# whether it would stop the trial, given the trials completed before it. Every decision must
# agree: pruned exactly at the trial's last recorded step, never earlier, complete trials never.
# The data is noisy enough that some trials' running mean rises above the median after a
# step at or below it: there the two readings of the rule (best value so far, Optuna's;
# latest value) differ, and the test requires at least one such step.
# The study runs in two parts (a resumed run takes the first run's trials as evidence too).
# usage: test_median_pruner.sh RUNNER SRCDIR PYTHON
runner=$(readlink -f "$1") src=$(readlink -f "$2") py=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
cd "$tmp"
cp "$src/small.yaml" small.yaml
bash "$src/make_small_csv.sh" small.csv 600 13   # a seed whose folds differ enough (see above)
cat > prune.yaml <<'Y'
extends: small.yaml
name: prune
validation: {folds: 5, random_split_check: false}
model: {params: {subsample: 1.0, min_child_weight: 1}}
search:
  sampler: random
  trials: 40
  pruner: {type: median, n_startup_trials: 3, n_warmup_steps: 0}
  space:
    model.params.max_depth: {type: int, low: 1, high: 6}
    model.params.eta: {type: float, low: 0.01, high: 0.6, log: true}
    model.params.subsample: {type: float, low: 0.3, high: 1.0}
    model.params.min_child_weight: {type: float, low: 0.5, high: 60, log: true}
Y
# In two runs: the second resumes the study, and its pruner's evidence is every complete
# trial of the study, the first run's too (Optuna's pruner reads the whole study).
expect_rc 0 "$runner" prune.yaml search.trials=20
expect_in "$tmp/out" "trials: "
expect_rc 0 "$runner" prune.yaml
expect_in "$tmp/err" "resuming study 'prune': 20 finished trials"
expect_rc 0 "$py" - exp.db <<'PY'
import datetime, sys
import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

study = optuna.load_study(study_name="prune", storage="sqlite:///" + sys.argv[1])
pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0)
shadow = optuna.create_study(direction="minimize")   # the trials finished before the current one
now = datetime.datetime.now()
n_pruned = n_differ = 0
for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
    assert t.state in (TrialState.COMPLETE, TrialState.PRUNED), (t.number, t.state)
    steps = sorted(t.intermediate_values)
    for i, s in enumerate(steps):
        iv = {k: t.intermediate_values[k] for k in steps[: i + 1]}
        probe = FrozenTrial(number=t.number, state=TrialState.RUNNING, value=None, datetime_start=now,
                            datetime_complete=None, params={}, distributions={}, user_attrs={},
                            system_attrs={}, intermediate_values=iv, trial_id=t._trial_id)
        want = pruner.prune(shadow, probe)
        got = t.state == TrialState.PRUNED and i == len(steps) - 1
        assert want == got, f"trial {t.number} step {s}: Optuna prunes={want}, the runner {'pruned' if got else 'went on'} (values {iv})"
        # Where "latest value above the median" and "best value above the median" differ.
        done = [c.intermediate_values[s] for c in shadow.get_trials(states=(TrialState.COMPLETE,))
                if s in c.intermediate_values]
        if len(done) >= 3:
            med = float(np.median(done))
            if (iv[s] > med) != (min(iv.values()) > med):
                n_differ += 1
    n_pruned += t.state == TrialState.PRUNED
    shadow.add_trial(optuna.trial.create_trial(
        state=t.state, value=t.value if t.state == TrialState.COMPLETE else None,
        intermediate_values=dict(t.intermediate_values)))
print(f"{len(study.trials)} trials, {n_pruned} pruned, {n_differ} steps where best and latest disagree")
assert n_pruned >= 3, f"only {n_pruned} trials pruned: the test data no longer exercises the pruner"
assert n_differ >= 1, "no step where the best and the latest value disagree: the test cannot tell the rules apart"
PY
cat "$tmp/out"
finish
